"""Triplet margin loss (Weinberger & Saul 2009; Schroff et al., CVPR 2015)."""

from keras import ops

from kzoo import distances as kdistances
from kzoo._validation import check_bool
from kzoo._validation import check_number
from kzoo.api_export import kzoo_export
from kzoo.losses.pair_weighting_loss import PairWeightingLoss
from kzoo.losses.pair_weighting_loss import pair_average_per_anchor
from kzoo.losses.twins import functional_twin


@kzoo_export("kzoo.losses.TripletMarginLoss")
class TripletMarginLoss(PairWeightingLoss):
    """Make every positive closer to its anchor than any negative, by a margin.

    Uses all triplets `(a, p, n)` of the batch, or those a miner selects (a
    pair miner's pairs are combined per anchor). The loss is averaged over the
    triplets — by default only over those with a non-zero loss, as
    pytorch-metric-learning's `AvgNonZeroReducer` does — and returned as each
    anchor's share scaled by the batch size, so the default reduction gives the
    triplet average. Equals pytorch-metric-learning's
    `TripletMarginLoss(margin, swap, smooth_loss)` with the same distance and
    miner (`triplets_per_anchor="all"`). Memory grows as B³: for large batches
    prefer a miner-free pair loss such as `MultiSimilarityLoss`.

    Formula (distance d; for a similarity s the differences flip):

    ```
    v_apn = d(a, p) − d(a, n) + margin
            (swap: d(a, n) → min(d(a, n), d(p, n)))
    ℓ_apn = max(0, v_apn)                   (smooth_loss: log(1 + exp(v_apn)))
    L = Σ_T ℓ_apn / |T⁺|
    ```

    Args:
        margin: the margin. Defaults to `0.05`.
        swap: use the positive–negative distance when it is smaller (the
            "distance swap" of Balntas et al., 2016). Defaults to `False`.
        smooth_loss: softplus instead of the hinge. Defaults to `False`.
        avg_nonzero: average over triplets with a positive loss only.
            Defaults to `True`.
        distance: a `kzoo.distances.Distance`. Defaults to
            `kzoo.distances.EuclideanDistance()` (on normalized embeddings).
        miner: a `kzoo.miners.Miner`, e.g.
            `kzoo.miners.TripletMiner(type="semihard")`, or `None` for all
            triplets. Defaults to `None`.
        {{loss_args}}

    Example:

    ```python
    loss = kzoo.losses.TripletMarginLoss(
        margin=0.1, miner=kzoo.miners.TripletMiner(margin=0.1, type="semihard"))
    model.compile(optimizer="adam", loss=loss)
    ```

    References:
        - [Schroff et al., 2015](https://arxiv.org/abs/1503.03832), FaceNet.
        - [Weinberger & Saul, 2009](https://jmlr.org/papers/v10/weinberger09a.html)
    """

    def __init__(
        self,
        margin=0.05,
        swap=False,
        smooth_loss=False,
        avg_nonzero=True,
        distance=None,
        miner=None,
        name="triplet_margin_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(
            distance=distance,
            miner=miner,
            name=name,
            reduction=reduction,
            dtype=dtype,
        )
        self.margin = check_number("margin", margin)
        self.swap = check_bool("swap", swap)
        self.smooth_loss = check_bool("smooth_loss", smooth_loss)
        self.avg_nonzero = check_bool("avg_nonzero", avg_nonzero)

    def default_distance(self):
        return kdistances.EuclideanDistance()

    def call(self, labels, embeddings):
        mat = self.distance(embeddings)
        weights = self.mined_triplets(labels, embeddings, mat)
        ap = mat[:, :, None]
        an = mat[:, None, :]
        if self.swap:
            an = self.distance.closest(an, mat[None, :, :])
        violation = self.distance.margin(ap, an) + self.margin
        if self.smooth_loss:
            losses = ops.softplus(violation)
        else:
            losses = ops.relu(violation)
        return pair_average_per_anchor(losses, weights, self.avg_nonzero)


triplet_margin = kzoo_export("kzoo.losses.triplet_margin")(
    functional_twin(TripletMarginLoss, "triplet_margin")
)
