"""`EuclideanDistance`: L2 distance between rows."""

from kzoo import ops as kops
from kzoo.api_export import kzoo_export
from kzoo.distances.distance import Distance


@kzoo_export("kzoo.distances.EuclideanDistance")
class EuclideanDistance(Distance):
    """Euclidean distance `‖a_i − b_j‖₂`; smaller is closer.

    The square root has a zero gradient at zero distance, so duplicated
    embeddings give finite gradients. With the default normalization it equals
    pytorch-metric-learning's `LpDistance()`.

    Formula:

    ```
    M_ij = ‖â_i − b̂_j‖₂
    ```

    Args:
        normalize_embeddings: L2-normalize the rows first. Defaults to `True`.
    """

    def pairwise(self, a, b=None):
        return kops.pairwise_distance(a, b)
