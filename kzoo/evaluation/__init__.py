"""Offline retrieval evaluation in NumPy: Recall@K and MAP@R over a gallery."""

from kzoo.evaluation.retrieval import map_at_r
from kzoo.evaluation.retrieval import recall_at_k
from kzoo.evaluation.roc import plot_roc_curve
from kzoo.evaluation.roc import roc_auc
from kzoo.evaluation.roc import roc_curve

__all__ = [
    "map_at_r",
    "plot_roc_curve",
    "recall_at_k",
    "roc_auc",
    "roc_curve",
]
