"""`CosineSimilarity`: cosine of the angle between rows."""

from kzoo import ops as kops
from kzoo.api_export import kzoo_export
from kzoo.distances.distance import Distance


@kzoo_export("kzoo.distances.CosineSimilarity")
class CosineSimilarity(Distance):
    """Cosine similarity `a_i · b_j / (‖a_i‖ ‖b_j‖)`; larger is closer.

    Formula:

    ```
    M_ij = â_i · b̂_j,   x̂ = x / max(‖x‖₂, 1e-12)
    ```

    Embeddings are always normalized (there is no `normalize_embeddings`
    argument). Equals pytorch-metric-learning's `CosineSimilarity()`.
    """

    is_similarity = True

    def __init__(self):
        super().__init__(normalize_embeddings=True)

    def pairwise(self, a, b=None):
        return kops.pairwise_dot(a, b)

    def get_config(self):
        return {}
