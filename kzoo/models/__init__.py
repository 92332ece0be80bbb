"""Models: training wrappers around user networks."""

from kzoo.models.distiller import Distiller
from kzoo.models.dual_head_student import DualHeadStudent

__all__ = ["Distiller", "DualHeadStudent"]
