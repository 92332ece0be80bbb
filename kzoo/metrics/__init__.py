"""Streaming metrics (`keras.metrics.Metric`) with sum-reducible state."""

from kzoo.metrics.alignment import Alignment
from kzoo.metrics.tolerance import Tolerance
from kzoo.metrics.uniformity import Uniformity

__all__ = ["Alignment", "Tolerance", "Uniformity"]
