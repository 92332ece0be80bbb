"""Margin-based triplet miner."""

from keras import ops

from kzoo._validation import check_number
from kzoo.api_export import kzoo_export
from kzoo.miners.miner import Miner

_TYPES = ("all", "hard", "semihard", "easy")


@kzoo_export("kzoo.miners.TripletMiner")
class TripletMiner(Miner):
    """Select the triplets `(anchor, positive, negative)` by their margin.

    With `m = d(a, n) − d(a, p)` (for a similarity, `s(a, p) − s(a, n)`):
    `"all"` keeps the triplets that violate the margin, `m ≤ margin`;
    `"hard"` those among them whose negative is at least as close as the
    positive, `m ≤ 0`; `"semihard"` those with `0 < m ≤ margin`; `"easy"` the
    rest, `m > margin`. Equals pytorch-metric-learning's
    `TripletMarginMiner(margin, type_of_triplets=type)`. The mined weights are
    a dense `[N, M, M]` tensor, so memory grows with the cube of the batch.

    Formula:

    ```
    T_apn = pos_ap · neg_an · condition_type(m_apn)
    ```

    Args:
        margin: the margin. Defaults to `0.2`.
        type: one of `"all"`, `"hard"`, `"semihard"`, `"easy"`. Defaults to
            `"all"`.
        distance: the distance used for mining. Defaults to
            `kzoo.distances.EuclideanDistance()`.

    Example:

    ```python
    loss = kzoo.losses.TripletMarginLoss(
        margin=0.1, miner=kzoo.miners.TripletMiner(type="semihard"))
    ```

    References:
        - [Schroff et al., 2015](https://arxiv.org/abs/1503.03832)
    """

    output = "triplets"

    def __init__(self, margin=0.2, type="all", distance=None):  # noqa: A002
        if type not in _TYPES:
            raise ValueError(
                f"`type` must be one of {_TYPES}. Received: type={type!r}"
            )
        self.margin = check_number("margin", margin)
        self.type = type
        super().__init__(distance=distance)

    def mine(self, mat, pos_mask, neg_mask):
        pos = ops.cast(pos_mask, "bool")
        neg = ops.cast(neg_mask, "bool")
        ap = mat[:, :, None]
        an = mat[:, None, :]
        m = ap - an if self.distance.is_similarity else an - ap
        if self.type == "easy":
            keep = ops.greater(m, self.margin)
        else:
            keep = ops.less_equal(m, self.margin)
            if self.type == "hard":
                keep = ops.logical_and(keep, ops.less_equal(m, 0.0))
            elif self.type == "semihard":
                keep = ops.logical_and(keep, ops.greater(m, 0.0))
        valid = ops.logical_and(pos[:, :, None], neg[:, None, :])
        weight = ops.cast(ops.logical_and(valid, keep), mat.dtype)
        return ops.stop_gradient(weight)

    def get_config(self):
        return {
            "margin": self.margin,
            "type": self.type,
            **super().get_config(),
        }
