"""`kzoo.losses.PairWeightingLoss`: the General Pair Weighting framework."""

from keras import ops

from kzoo import distances as kdistances
from kzoo import ops as kops
from kzoo.api_export import kzoo_export
from kzoo.losses.embedding_loss import EmbeddingLoss
from kzoo.miners import Miner
from kzoo.miners import pairs_from_triplets
from kzoo.miners import triplets_from_pairs


def pair_average_per_anchor(pair_losses, weights, avg_nonzero=False):
    """Per-anchor values whose mean over anchors is the weighted pair average.

    pytorch-metric-learning reduces pair and triplet losses by averaging over
    the selected pairs (or over those with a positive loss, `AvgNonZero`).
    Keras reduces per-sample values. This returns, for anchor `i`,
    `B · Σ_j w_ij ℓ_ij / Σ_ij w_ij`, so that the default
    `"sum_over_batch_size"` reduction reproduces the pair average exactly and
    `sample_weight` weights each anchor's share of it.

    Args:
        pair_losses: `[B, ...]` losses per pair (or triplet).
        weights: non-negative weights of the same shape (mined counts).
        avg_nonzero: count only the entries with a positive loss.

    Returns:
        Tensor `[B]`.
    """
    if avg_nonzero:
        weights = weights * ops.cast(ops.greater(pair_losses, 0), weights.dtype)
    weights = ops.stop_gradient(weights)
    axes = tuple(range(1, len(pair_losses.shape)))
    per_anchor = ops.sum(weights * pair_losses, axis=axes)
    count = ops.sum(weights)
    batch = ops.cast(ops.shape(pair_losses)[0], per_anchor.dtype)
    return ops.divide_no_nan(per_anchor * batch, count)


@kzoo_export("kzoo.losses.PairWeightingLoss")
class PairWeightingLoss(EmbeddingLoss):
    """Base class of the General Pair Weighting framework (Wang et al., 2019).

    A pair-based loss is a weighting of the pairs of a batch: it computes one
    distance matrix, selects positive and negative pairs from the labels, lets
    an optional miner re-weight them, and hands the dense weights to
    `pair_loss(mat, pos_weight, neg_weight) -> [B]`. Subclasses either
    implement `pair_loss` or override `call` and use `mined_pairs` /
    `mined_triplets` (a triplet miner feeding a pair loss, or a pair miner
    feeding a triplet loss, is converted as in pytorch-metric-learning).

    When the miner uses the same distance as the loss, the matrix is computed
    once.

    Args:
        distance: a `kzoo.distances.Distance` or a name (`"cosine"`,
            `"euclidean"`, ...). Defaults to the subclass's default.
        miner: a `kzoo.miners.Miner`, or `None` to use every pair. Defaults
            to `None`.
        {{loss_args}}

    References:
        - [Wang et al., 2019](https://arxiv.org/abs/1904.06627)
    """

    def __init__(self, distance=None, miner=None, **kwargs):
        super().__init__(**kwargs)
        self.distance = (
            self.default_distance()
            if distance is None
            else kdistances.get(distance)
        )
        if miner is not None and not isinstance(miner, Miner):
            raise ValueError(
                "`miner` must be a kzoo.miners.Miner or None. "
                f"Received: miner={miner!r}"
            )
        self.miner = miner

    def default_distance(self):
        return kdistances.CosineSimilarity()

    def _miner_output(self, embeddings, mat, pos, neg):
        miner_mat = (
            mat
            if self.miner.distance == self.distance
            else self.miner.distance(embeddings)
        )
        return self.miner.mine(miner_mat, pos, neg)

    def mined_pairs(self, labels, embeddings, mat):
        """`(pos_weight, neg_weight)`, each `[B, B]` float."""
        pos, neg = kops.label_masks(labels)
        if self.miner is None:
            return ops.cast(pos, mat.dtype), ops.cast(neg, mat.dtype)
        mined = self._miner_output(embeddings, mat, pos, neg)
        if self.miner.output == "triplets":
            return pairs_from_triplets(mined)
        return mined

    def mined_triplets(self, labels, embeddings, mat):
        """Triplet weights `[B, B, B]` (anchor, positive, negative)."""
        pos, neg = kops.label_masks(labels)
        if self.miner is None:
            pos = ops.cast(pos, mat.dtype)
            neg = ops.cast(neg, mat.dtype)
            return triplets_from_pairs(pos, neg)
        mined = self._miner_output(embeddings, mat, pos, neg)
        if self.miner.output == "pairs":
            return triplets_from_pairs(*mined)
        return mined

    def call(self, labels, embeddings):
        mat = self.distance(embeddings)
        pos_weight, neg_weight = self.mined_pairs(labels, embeddings, mat)
        return self.pair_loss(mat, pos_weight, neg_weight)

    def pair_loss(self, mat, pos_weight, neg_weight):
        raise NotImplementedError(
            f"{type(self).__name__} must implement `pair_loss` or `call`."
        )
