"""Offline retrieval evaluation in NumPy: Recall@K and MAP@R over a gallery."""

from kzoo.evaluation.retrieval import map_at_r
from kzoo.evaluation.retrieval import recall_at_k

__all__ = ["map_at_r", "recall_at_k"]
