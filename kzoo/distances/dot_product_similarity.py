"""`DotProductSimilarity`: inner products between rows."""

from kzoo import ops as kops
from kzoo.api_export import kzoo_export
from kzoo.distances.distance import Distance


@kzoo_export("kzoo.distances.DotProductSimilarity")
class DotProductSimilarity(Distance):
    """Inner product `a_i · b_j`; larger is closer.

    Formula:

    ```
    M_ij = a_i · b_j
    ```

    Args:
        normalize_embeddings: L2-normalize the rows first (which makes it the
            cosine similarity). Unlike pytorch-metric-learning, whose default
            is `True`, kzoo defaults to the raw inner product. Defaults to
            `False`.
    """

    is_similarity = True

    def __init__(self, normalize_embeddings=False):
        super().__init__(normalize_embeddings=normalize_embeddings)

    def pairwise(self, a, b=None):
        return kops.pairwise_dot(a, b)
