"""`SquaredEuclideanDistance`: squared L2 distance between rows."""

from kzoo import ops as kops
from kzoo.api_export import kzoo_export
from kzoo.distances.distance import Distance


@kzoo_export("kzoo.distances.SquaredEuclideanDistance")
class SquaredEuclideanDistance(Distance):
    """Squared Euclidean distance `‖a_i − b_j‖²`; smaller is closer.

    Equals pytorch-metric-learning's `LpDistance(power=2)` with the default
    normalization.

    Formula:

    ```
    M_ij = ‖â_i − b̂_j‖₂²
    ```

    Args:
        normalize_embeddings: L2-normalize the rows first. Defaults to `True`.
    """

    def pairwise(self, a, b=None):
        return kops.pairwise_squared_distance(a, b)
