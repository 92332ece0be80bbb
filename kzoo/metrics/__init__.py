"""Streaming Keras metrics."""

from kzoo.metrics.alignment import Alignment
from kzoo.metrics.retrieval_auc import RetrievalAUC
from kzoo.metrics.tolerance import Tolerance
from kzoo.metrics.topology import BettiMatchingError
from kzoo.metrics.topology import BettiNumberError
from kzoo.metrics.uniformity import Uniformity

__all__ = [
    "Alignment",
    "BettiMatchingError",
    "BettiNumberError",
    "RetrievalAUC",
    "Tolerance",
    "Uniformity",
]
