"""Streaming Keras metrics."""

from kzoo.metrics.retrieval_auc import RetrievalAUC
from kzoo.metrics.topology import BettiMatchingError
from kzoo.metrics.topology import BettiNumberError

__all__ = [
    "BettiMatchingError",
    "BettiNumberError",
    "RetrievalAUC",
]
