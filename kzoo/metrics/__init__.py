"""Streaming metrics (`keras.metrics.Metric`) with sum-reducible state."""

from kzoo.metrics.alignment import Alignment
from kzoo.metrics.retrieval_auc import RetrievalAUC
from kzoo.metrics.tolerance import Tolerance
from kzoo.metrics.uniformity import Uniformity

__all__ = [
    "Alignment",
    "RetrievalAUC",
    "Tolerance",
    "Uniformity",
]
