"""`kzoo bench`: time kzoo's pairwise losses against each backend's floor."""

from kzoo._bench.harness import add_arguments
from kzoo._bench.harness import run

__all__ = ["add_arguments", "run"]
