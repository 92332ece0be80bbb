"""Models: training wrappers around user networks."""

from kzoo.models.distiller import Distiller
from kzoo.models.distiller import DualHeadStudent

__all__ = ["Distiller", "DualHeadStudent"]
