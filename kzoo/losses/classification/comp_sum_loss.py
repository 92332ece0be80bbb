"""The comp-sum family of classification losses (Mao, Mohri, Zhong, 2023)."""

from keras import ops

from kzoo._validation import check_non_negative
from kzoo.api_export import kzoo_export
from kzoo.losses.classification_loss import ClassificationLoss
from kzoo.losses.twins import functional_twin

# exp(80) is about 5.5e34, well inside float32 (max about 3.4e38).
_MAX_EXPONENT = 80.0


def comp_sum_from_ce(ce, tau):
    """`Φ^τ` applied to a cross-entropy `ce = logsumexp(h) − h_y` (float)."""
    if tau == 1.0:
        return ce
    exponent = ops.minimum((1.0 - tau) * ce, _MAX_EXPONENT)
    return ops.expm1(exponent) / (1.0 - tau)


@kzoo_export("kzoo.losses.CompSumLoss")
class CompSumLoss(ClassificationLoss):
    """The comp-sum family: composition of `Φ^τ` with the sum of exponentials.

    One parameter `τ ≥ 0` interpolates between the sum-exponential loss
    (`τ = 0`), softmax cross-entropy (`τ = 1`), generalized cross-entropy
    (`τ ∈ (1, 2)`, `q = τ − 1`) and the mean absolute error (`τ = 2`, gives
    `1 − p_y`, half the MAE on one-hot targets). Mao, Mohri and Zhong prove
    H-consistency bounds for the whole family; `τ > 1` is bounded and more
    robust to label noise, `τ ≤ 1` trains faster.

    Formula (logits h ∈ ℝᴷ, label y, p = softmax(h)):

    ```
    u = Σ_{y'≠y} exp(h_{y'} − h_y) = (1 − p_y) / p_y
    ℓ_τ = Φ^τ(u),  Φ^τ(u) = log(1 + u)                    τ = 1
                   Φ^τ(u) = ((1 + u)^{1−τ} − 1) / (1 − τ)  τ ≠ 1
    ```

    computed stably from `ce = log(1 + u) = logsumexp(h) − h_y` as
    `expm1((1 − τ)·ce) / (1 − τ)`. Special cases: `τ = 0` →
    `Σ_{y'≠y} exp(h_{y'} − h_y)`; `τ = 1` → `−log p_y`; `τ ∈ (1, 2)` →
    `(1 − p_y^q)/q` with `q = τ − 1`; `τ = 2` → `1 − p_y`. For `τ < 1` the
    loss grows exponentially in the margin; the exponent `(1 − τ)·ce` is
    capped at 80 (values above `e^80/(1 − τ)` saturate, with zero gradient)
    so that huge logits stay finite in float32. With probability targets
    `t ∈ Δᴷ` the loss is the expectation `Σ_k t_k ℓ_τ(h, k)` (identical for
    one-hot rows).

    Args:
        tau: τ ≥ 0. The paper sweeps τ and gives no single default; it
            recommends τ = 1 (cross-entropy) as the best trade-off. Defaults
            to `1.0`.
        {{loss_args}}

    Example:

    ```python
    model.compile(optimizer="adam", loss=kzoo.losses.CompSumLoss(tau=1.5))
    model.fit(x, integer_class_ids)
    ```

    References:
        - [Mao, Mohri & Zhong, 2023](https://arxiv.org/abs/2304.07288),
          Cross-Entropy Loss Functions: Theoretical Analysis and
          Applications (ICML 2023).
    """

    def __init__(
        self,
        tau=1.0,
        name="comp_sum_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.tau = check_non_negative("tau", tau)

    def call(self, targets, logits):
        lse = ops.logsumexp(logits, axis=-1, keepdims=True)
        per_class = comp_sum_from_ce(lse - logits, self.tau)
        return ops.sum(targets * per_class, axis=-1)


comp_sum = kzoo_export("kzoo.losses.comp_sum")(
    functional_twin(CompSumLoss, "comp_sum")
)
