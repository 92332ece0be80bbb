"""Contrastive (margin) loss (Hadsell, Chopra, LeCun, CVPR 2006)."""

from keras import ops

from kzoo import distances as kdistances
from kzoo._validation import check_bool
from kzoo._validation import check_number
from kzoo.api_export import kzoo_export
from kzoo.losses.pair_weighting_loss import PairWeightingLoss
from kzoo.losses.pair_weighting_loss import pair_average_per_anchor
from kzoo.losses.twins import functional_twin


def _contrastive_pair_losses(mat, distance, pos_margin, neg_margin):
    pos = ops.relu(distance.margin(mat, pos_margin))
    neg = ops.relu(distance.margin(neg_margin, mat))
    return pos, neg


@kzoo_export("kzoo.losses.ContrastiveLoss")
class ContrastiveLoss(PairWeightingLoss):
    """Pull positives within `pos_margin`, push negatives beyond `neg_margin`.

    With a distance `d` (Euclidean on L2-normalized embeddings by default) the
    loss of a positive pair is `[d − m₊]₊` and of a negative pair `[m₋ − d]₊`;
    with a similarity the margins flip (`[m₊ − s]₊`, `[s − m₋]₊`). Each term
    is averaged over its (mined) pairs — by default only over the pairs with a
    non-zero loss, pytorch-metric-learning's `AvgNonZeroReducer` — and the
    two averages are added. The per-anchor values returned are each anchor's
    share of those averages scaled by the batch size, so the default reduction
    gives the pair average and `sample_weight` weights anchors.

    Formula (distance d; Pᵢ, Nᵢ the mined pairs, counted with multiplicity):

    ```
    ℓ⁺_ij = max(0, d_ij − m₊),   ℓ⁻_ij = max(0, m₋ − d_ij)
    L = Σ_{(i,j)∈P} ℓ⁺_ij / |P⁺| + Σ_{(i,j)∈N} ℓ⁻_ij / |N⁺|
    ```

    where `|P⁺|`, `|N⁺|` count the pairs with a positive loss
    (`avg_nonzero=True`) or all pairs (`avg_nonzero=False`). Equals
    pytorch-metric-learning's `ContrastiveLoss(pos_margin, neg_margin)` with the
    same distance and miner.

    Args:
        pos_margin: the margin m₊ of positive pairs. Defaults to `0.0`.
        neg_margin: the margin m₋ of negative pairs. Defaults to `1.0`.
        avg_nonzero: average over pairs with a positive loss only.
            Defaults to `True`.
        distance: a `kzoo.distances.Distance`. Defaults to
            `kzoo.distances.EuclideanDistance()` (on normalized embeddings).
        miner: a `kzoo.miners.Miner` (pair or triplet), or `None` for all
            pairs. Defaults to `None`.
        {{loss_args}}

    Example:

    ```python
    model.compile(optimizer="adam",
                  loss=kzoo.losses.ContrastiveLoss(pos_margin=0.0,
                                                   neg_margin=1.0))
    ```

    References:
        - [Hadsell, Chopra & LeCun, 2006](https://doi.org/10.1109/CVPR.2006.100),
          Dimensionality Reduction by Learning an Invariant Mapping.
    """

    def __init__(
        self,
        pos_margin=0.0,
        neg_margin=1.0,
        avg_nonzero=True,
        distance=None,
        miner=None,
        name="contrastive_loss",
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
        self.pos_margin = check_number("pos_margin", pos_margin)
        self.neg_margin = check_number("neg_margin", neg_margin)
        self.avg_nonzero = check_bool("avg_nonzero", avg_nonzero)

    def default_distance(self):
        return kdistances.EuclideanDistance()

    def pair_loss(self, mat, pos_weight, neg_weight):
        pos, neg = _contrastive_pair_losses(
            mat, self.distance, self.pos_margin, self.neg_margin
        )
        return pair_average_per_anchor(
            pos, pos_weight, self.avg_nonzero
        ) + pair_average_per_anchor(neg, neg_weight, self.avg_nonzero)


contrastive = kzoo_export("kzoo.losses.contrastive")(
    functional_twin(ContrastiveLoss, "contrastive")
)
