"""Metrics."""

from kzoo.metrics.topology import BettiMatchingError  # noqa: F401
from kzoo.metrics.topology import BettiNumberError  # noqa: F401
