"""Hyp-PC: hyperbolic pairwise confusion (Hyp-OC, Narayan & Patel, 2024)."""

from keras import ops

from kzoo._validation import check_bool
from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.losses.hyperbolic.one_class_batch import one_class_rows
from kzoo.losses.inputs import PredictionsOnly
from kzoo.losses.loss import Loss
from kzoo.losses.twins import functional_twin
from kzoo.ops.hyperbolic import mobius_add
from kzoo.ops.hyperbolic import poincare_distance
from kzoo.ops.norms import safe_norm

DISTANCES = ("artanh", "arctan_official")


def hyp_pc_distance(x, y, c, distance):
    """The Poincaré distance (`"artanh"`) or the official code's arctan
    variant (`"arctan_official"`) between aligned rows."""
    if distance == "artanh":
        return poincare_distance(x, y, c)
    sc = c**0.5
    norm = safe_norm(mobius_add(-x, y, c))
    return (2.0 / sc) * ops.arctan(sc * norm)


@kzoo_export("kzoo.losses.HypPairwiseConfusionLoss")
class HypPairwiseConfusionLoss(Loss):
    """Hyp-PC: hyperbolic pairwise confusion of the real embeddings (Hyp-OC).

    Pulls the Poincaré embeddings of bona-fide samples together: the real
    rows are split into a left and a right half and the hyperbolic
    distances of the aligned pairs are summed and divided by the number of
    real rows.

    Formula (real embeddings z_1..z_R in the ball, R even):

    ```
    Hyp-PC = (1/R) Σ_{i=1}^{R/2} d_c(z_i, z_{i+R/2})
    d_c(x, y) = (2/√c)·artanh(√c‖(−x) ⊕_c y‖)      distance="artanh"
    d_c(x, y) = (2/√c)·arctan(√c‖(−x) ⊕_c y‖)      distance="arctan_official"
    ```

    Paper vs code: the paper uses the Poincaré distance (artanh, the
    default). The official code (`loss.py`, `TPC_loss_hyp`) writes `arctan`,
    which is the distance of the *spherical* model and bounded by π/√c; e.g.
    for c = 0.1, x = (0.3, 0.4), y = (−0.5, 0.2): artanh 1.6753490, arctan
    1.6020637. Pick `"arctan_official"` to reproduce the released numbers.

    With `one_class_batch=True` (the default) only the first half of the
    rows (the real rows written by `kzoo.layers.PseudoNegativeSampler`)
    enter, and `y_true` is ignored; otherwise every row is real.

    {{hyp_oc_batch_level}}

    Args:
        c: curvature magnitude. Defaults to `1.0` (Hyp-OC uses `0.1`).
        distance: `"artanh"` or `"arctan_official"`. Defaults to
            `"artanh"`.
        one_class_batch: use only the first half of the rows. Defaults to
            `True`.
        {{loss_args}}

    Example:

    ```python
    loss = kzoo.losses.HypPairwiseConfusionLoss(c=0.1)
    value = loss(None, poincare_embeddings)
    ```

    References:
        - [Narayan & Patel, 2024](https://arxiv.org/abs/2404.14406), Hyp-OC.
        - [Dubey et al., 2018](https://arxiv.org/abs/1705.08016), Pairwise
          Confusion for Fine-Grained Visual Classification.
    """

    input_kind = PredictionsOnly(rank=2, what="embeddings of shape (rows, dim)")
    batch_level = True

    def __init__(
        self,
        c=1.0,
        distance="artanh",
        one_class_batch=True,
        name="hyp_pairwise_confusion_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.c = check_positive("c", c)
        if distance not in DISTANCES:
            raise ValueError(
                "`distance` must be 'artanh' or 'arctan_official'. "
                f"Received: distance={distance!r}"
            )
        self.distance = distance
        self.one_class_batch = check_bool("one_class_batch", one_class_batch)

    def call(self, y_true, z):
        n = z.shape[0]
        rows = n if n is not None else ops.shape(z)[0]
        if self.one_class_batch:
            rows = one_class_rows(n, rows)
            z = z[:rows]
        if isinstance(rows, int) and rows < 2:
            return ops.zeros((), z.dtype)
        half = rows // 2
        d = hyp_pc_distance(z[:half], z[half : 2 * half], self.c, self.distance)
        return ops.divide_no_nan(ops.sum(d), ops.cast(rows, z.dtype))


hyp_pairwise_confusion = kzoo_export("kzoo.losses.hyp_pairwise_confusion")(
    functional_twin(HypPairwiseConfusionLoss, "hyp_pairwise_confusion")
)
