"""Pairwise distances and similarities as small serializable objects.

A distance maps two sets of rows to a `[N, M]` matrix. `is_similarity` says
whether larger means closer; losses and miners read it so that one formula
serves both kinds (pytorch-metric-learning's `is_inverted`).
"""

from kzoo.distances.cosine_similarity import CosineSimilarity
from kzoo.distances.distance import Distance
from kzoo.distances.dot_product_similarity import DotProductSimilarity
from kzoo.distances.euclidean_distance import EuclideanDistance
from kzoo.distances.lookup import get
from kzoo.distances.squared_euclidean_distance import SquaredEuclideanDistance

__all__ = [
    "CosineSimilarity",
    "Distance",
    "DotProductSimilarity",
    "EuclideanDistance",
    "SquaredEuclideanDistance",
    "get",
]
