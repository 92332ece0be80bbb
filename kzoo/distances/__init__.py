"""Pairwise distances and similarities as small serializable objects.

A distance maps two sets of rows to a `[N, M]` matrix. `is_similarity` says
whether larger means closer; losses and miners read it so that one formula
serves both kinds (pytorch-metric-learning's `is_inverted`).
"""

from kzoo.distances.distances import CosineSimilarity
from kzoo.distances.distances import Distance
from kzoo.distances.distances import DotProductSimilarity
from kzoo.distances.distances import EuclideanDistance
from kzoo.distances.distances import SquaredEuclideanDistance
from kzoo.distances.distances import get

__all__ = [
    "CosineSimilarity",
    "Distance",
    "DotProductSimilarity",
    "EuclideanDistance",
    "SquaredEuclideanDistance",
    "get",
]
