"""Streaming Keras metrics."""

from kzoo.metrics.retrieval_auc import RetrievalAUC

__all__ = ["RetrievalAUC"]
