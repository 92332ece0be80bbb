"""Streaming Keras metrics."""

from kzoo.metrics.alignment import Alignment
from kzoo.metrics.betti_matching_error import BettiMatchingError
from kzoo.metrics.betti_number_error import BettiNumberError
from kzoo.metrics.retrieval_auc import RetrievalAUC
from kzoo.metrics.tolerance import Tolerance
from kzoo.metrics.uniformity import Uniformity

__all__ = [
    "Alignment",
    "BettiMatchingError",
    "BettiNumberError",
    "RetrievalAUC",
    "Tolerance",
    "Uniformity",
]
