"""Label-distributionally robust loss LDR-KL (Zhu, Ying, Yang, ICML 2023)."""

from keras import ops

from kzoo._validation import check_non_negative
from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.losses.classification_loss import ClassificationLoss
from kzoo.losses.twins import functional_twin

LOGIT_NORMALIZATIONS = (None, "softplus", "l1")


def check_logit_normalization(value):
    if value not in LOGIT_NORMALIZATIONS:
        raise ValueError(
            "`logit_normalization` must be one of "
            f"{LOGIT_NORMALIZATIONS}. Received: logit_normalization={value!r}"
        )
    return value


def normalize_logits(logits, mode):
    """The official code's logit rescaling (see `LDRKLLoss`)."""
    if mode is None:
        return logits
    if mode == "softplus":
        logits = ops.softplus(logits)
    scale = ops.mean(ops.abs(logits), axis=-1, keepdims=True)
    return logits / ops.maximum(scale, 1e-12)


def ldr_kl_values(targets, logits, margin, temperature):
    """`λ·log((1/K) Σ_k exp((f_k − f_y + c·(1 − t_k))/λ))` per row.

    `temperature` is a Python float or a `[B]` tensor of per-sample λ.
    """
    num_classes = ops.cast(ops.shape(logits)[-1], logits.dtype)
    target_logit = ops.sum(targets * logits, axis=-1, keepdims=True)
    z = logits - target_logit + margin * (1.0 - targets)
    column = (
        temperature
        if isinstance(temperature, float)
        else ops.expand_dims(temperature, -1)
    )
    lse = ops.logsumexp(z / column, axis=-1)
    return temperature * (lse - ops.log(num_classes))


@kzoo_export("kzoo.losses.LDRKLLoss")
class LDRKLLoss(ClassificationLoss):
    """LDR-KL: the label-distributionally robust loss with a KL regularizer.

    The loss is the worst case, over distributions `p` on the labels, of the
    margin-augmented score gaps, regularized by `λ·KL(p ‖ uniform)`. Its
    closed form is a temperature-`λ` log-mean-exp of the gaps: `λ → ∞` gives
    the mean gap (robust, like MAE), `λ → 0` the max gap (a multi-class
    hinge), and `λ = 1, c = 0` gives cross-entropy minus `log K`.

    Formula (logits f ∈ ℝᴷ, label y, margin c, temperature λ):

    ```
    ψ_λ(f, y) = max_{p ∈ Δ_K} Σ_k p_k (f_k − f_y + c·[k≠y]) − λ·KL(p ‖ 1/K)
              = λ · log( (1/K) · Σ_k exp((f_k − f_y + c·[k≠y]) / λ) )
    ```

    With probability targets `t`, `f_y` becomes `Σ_k t_k f_k` and `[k≠y]`
    becomes `1 − t_k` (the official code's formula, exact for one-hot rows).

    Paper vs official code: the paper's loss is on raw scores
    (`logit_normalization=None`, the default). The official `LDRLoss_V1`
    always rescales the logits first, `f ← softplus(f) / mean_k softplus(f)`
    (`logit_normalization="softplus"`); its `ALDRLoss_V1` divides by the mean
    absolute value without softplus (`"l1"`). The normalized variants make
    the loss invariant to the logits' scale, so the margin and temperature
    act on a fixed scale. The class defaults of the official code
    (`threshold=2.0, Lambda=1.0`) are not those of its experiments, which use
    `--margin 0.1` and λ = 10 — kzoo's defaults.

    Args:
        margin: the margin c ≥ 0 added to the non-target gaps. Defaults to
            `0.1`.
        temperature: the KL weight λ > 0. Defaults to `10.0`.
        logit_normalization: `None` (raw logits, the paper), `"softplus"`
            (official `LDRLoss_V1`) or `"l1"` (official `ALDRLoss_V1` with
            `softplus=False`). Defaults to `None`.
        {{loss_args}}

    Example:

    ```python
    model.compile(optimizer="sgd", loss=kzoo.losses.LDRKLLoss())
    model.fit(x, integer_class_ids)
    ```

    References:
        - [Zhu, Ying & Yang, 2023](https://proceedings.mlr.press/v202/zhu23e.html),
          Label Distributionally Robust Losses for Multi-class
          Classification: Consistency, Robustness and Adaptivity (ICML
          2023). Official code: https://github.com/Optimization-AI/ICML2023_LDR
    """

    def __init__(
        self,
        margin=0.1,
        temperature=10.0,
        logit_normalization=None,
        name="ldrkl_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.margin = check_non_negative("margin", margin)
        self.temperature = check_positive("temperature", temperature)
        self.logit_normalization = check_logit_normalization(
            logit_normalization
        )

    def call(self, targets, logits):
        logits = normalize_logits(logits, self.logit_normalization)
        return ldr_kl_values(targets, logits, self.margin, self.temperature)


ldr_kl = kzoo_export("kzoo.losses.ldr_kl")(functional_twin(LDRKLLoss, "ldr_kl"))
