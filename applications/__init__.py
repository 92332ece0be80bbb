"""Application models built on kzoo (installed as `kzoo.applications`)."""

from kzoo.applications import face

__all__ = ["face"]
