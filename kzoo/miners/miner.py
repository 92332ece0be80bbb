"""Miner base class and the pair/triplet conversions."""

import keras
from keras import ops

from kzoo import distances as kdistances
from kzoo import ops as kops
from kzoo.api_export import kzoo_export


@kzoo_export("kzoo.miners.Miner")
class Miner:
    """Base class for miners.

    Call a miner as `miner(labels, embeddings)` (optionally with
    `ref_labels`, `ref_embeddings`), or, inside a loss that already holds the
    distance matrix, as `miner.mine(mat, pos_mask, neg_mask)`.

    Subclasses set `output` to `"pairs"` or `"triplets"` and implement `mine`.

    Args:
        distance: the `kzoo.distances.Distance` the miner compares with, or
            `None` for the miner's default.
    """

    output = "pairs"

    def __init__(self, distance=None):
        self.distance = (
            self.default_distance()
            if distance is None
            else kdistances.get(distance)
        )

    def default_distance(self):
        return kdistances.EuclideanDistance()

    def __call__(
        self, labels, embeddings, ref_labels=None, ref_embeddings=None
    ):
        if (ref_labels is None) != (ref_embeddings is None):
            raise ValueError(
                "`ref_labels` and `ref_embeddings` must be given together. "
                f"Received: ref_labels is None={ref_labels is None}, "
                f"ref_embeddings is None={ref_embeddings is None}"
            )
        embeddings = ops.cast(ops.convert_to_tensor(embeddings), "float32")
        if ref_embeddings is not None:
            ref_embeddings = ops.cast(
                ops.convert_to_tensor(ref_embeddings), "float32"
            )
        mat = self.distance(embeddings, ref_embeddings)
        pos, neg = kops.label_masks(labels, ref_labels)
        return self.mine(mat, pos, neg)

    def mine(self, mat, pos_mask, neg_mask):
        """Return the mined weights (see the module docstring)."""
        raise NotImplementedError

    def get_config(self):
        return {"distance": keras.saving.serialize_keras_object(self.distance)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("distance"), dict):
            config["distance"] = kdistances.get(config["distance"])
        return cls(**config)

    def __repr__(self):
        args = ", ".join(
            f"{k}={v!r}"
            for k, v in self.get_config().items()
            if k != "distance"
        )
        return f"{type(self).__name__}({args}, distance={self.distance!r})"


@kzoo_export("kzoo.miners.pairs_from_triplets")
def pairs_from_triplets(triplet_weight):
    """Pair weights implied by triplet weights.

    Every mined triplet `(a, p, n)` contributes the positive pair `(a, p)` and
    the negative pair `(a, n)`, once per triplet, as pytorch-metric-learning's
    `convert_to_pairs` does (a pair shared by several triplets counts several
    times).

    Formula:

    ```
    pos_ap = Σ_n T_apn,   neg_an = Σ_p T_apn
    ```

    Args:
        triplet_weight: tensor `[N, M, M]`.

    Returns:
        `(pos_weight, neg_weight)`, each `[N, M]`.
    """
    return ops.sum(triplet_weight, axis=2), ops.sum(triplet_weight, axis=1)


@kzoo_export("kzoo.miners.triplets_from_pairs")
def triplets_from_pairs(pos_weight, neg_weight):
    """Triplet weights implied by pair weights: every mined positive pair of an
    anchor combined with every mined negative pair of the same anchor
    (pytorch-metric-learning's `convert_to_triplets`).

    Formula:

    ```
    T_apn = pos_ap · neg_an
    ```

    Args:
        pos_weight: tensor `[N, M]`.
        neg_weight: tensor `[N, M]`.

    Returns:
        Tensor `[N, M, M]`.
    """
    return pos_weight[:, :, None] * neg_weight[:, None, :]
