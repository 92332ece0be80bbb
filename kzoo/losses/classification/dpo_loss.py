"""Direct preference optimization loss (as used by the Delta Learning paper)."""

from keras import ops

from kzoo._validation import check_batch
from kzoo._validation import check_bool
from kzoo._validation import check_positive
from kzoo._validation import shape_of
from kzoo.api_export import kzoo_export
from kzoo.losses.inputs import PredictionsOnly
from kzoo.losses.loss import Loss
from kzoo.losses.twins import functional_twin

_LOG_PROBS = (
    "log-probabilities of shape (batch_size, 4): policy chosen, policy "
    "rejected, reference chosen, reference rejected"
)


def dpo_values(logps, beta, label_smoothing=0.0):
    """Per-sample DPO loss from `[B, 4]` log-probabilities (see `DPOLoss`)."""
    delta = (logps[:, 0] - logps[:, 2]) - (logps[:, 1] - logps[:, 3])
    losses = ops.softplus(-beta * delta)
    if label_smoothing:
        losses = (1.0 - label_smoothing) * losses + label_smoothing * (
            ops.softplus(beta * delta)
        )
    return losses


@kzoo_export("kzoo.losses.DPOLoss")
class DPOLoss(Loss):
    """Direct preference optimization (DPO) on precomputed log-probabilities.

    DPO trains a policy to prefer the chosen response `y_w` over the rejected
    `y_l` relative to a frozen reference model, with no reward model. The
    Delta Learning paper (Geng et al., 2025) trains with it on pairs whose
    chosen response merely comes from a slightly stronger model than the
    rejected one, and uses the length-normalized variant (average instead of
    summed token log-probabilities).

    Formula (β > 0, ε = `label_smoothing`):

    ```
    Δ = (log π(y_w|x) − log π_ref(y_w|x)) − (log π(y_l|x) − log π_ref(y_l|x))
    ℓ = −(1 − ε)·log σ(βΔ) − ε·log σ(−βΔ)
      = (1 − ε)·softplus(−βΔ) + ε·softplus(βΔ)
    ```

    Length normalization (`length_normalized=True`, the paper's `dpo_norm`):
    each of the four log-probabilities is divided by its response's token
    count, policy and reference alike.

    Inputs:

    - `y_pred` `[B, 4]`: (policy chosen, policy rejected, reference chosen,
      reference rejected) sequence log-probabilities, summed over the
      response tokens. Only the policy columns carry gradient in practice;
      the reference columns are usually fed through the model from the data
      (compute them once with the frozen reference).
    - `y_true`: ignored (pass anything of batch size, e.g. zeros) unless
      `length_normalized=True`, where it holds the token counts `[B, 2]`
      (chosen length, rejected length).

    With policy = reference, Δ = 0 and the loss is log 2.

    Args:
        beta: β, the inverse strength of the KL anchor to the reference. The
            common DPO default is 0.1; the Delta Learning runs use β = 5 with
            length normalization. Defaults to `0.1`.
        length_normalized: divide log-probabilities by the lengths given in
            `y_true`. Defaults to `False`.
        label_smoothing: ε ∈ [0, 0.5), conservative DPO (cDPO). Defaults to
            `0.0`.
        {{loss_args}}

    Example:

    ```python
    # the model returns [B, 4] log-probs; y_true carries the lengths
    model.compile(optimizer="adam",
                  loss=kzoo.losses.DPOLoss(beta=5.0, length_normalized=True))
    model.fit(inputs, lengths)
    ```

    References:
        - [Rafailov et al., 2023](https://arxiv.org/abs/2305.18290), Direct
          Preference Optimization: Your Language Model is Secretly a Reward
          Model.
        - [Geng et al., 2025](https://arxiv.org/abs/2507.06187), The Delta
          Learning Hypothesis: Preference Tuning on Weak Data can Yield
          Strong Gains (COLM 2025).
    """

    # `y_true` is read only with `length_normalized=True` (see
    # `standardize_inputs`).
    input_kind = PredictionsOnly(rank=2, what=_LOG_PROBS)

    def __init__(
        self,
        beta=0.1,
        length_normalized=False,
        label_smoothing=0.0,
        name="dpo_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.beta = check_positive("beta", beta)
        self.length_normalized = check_bool(
            "length_normalized", length_normalized
        )
        if (
            isinstance(label_smoothing, bool)
            or not isinstance(label_smoothing, (int, float))
            or not 0.0 <= label_smoothing < 0.5
        ):
            raise ValueError(
                "`label_smoothing` must be a number in [0, 0.5). "
                f"Received: label_smoothing={label_smoothing!r}"
            )
        self.label_smoothing = float(label_smoothing)

    def standardize_inputs(self, y_true, y_pred):
        _, logps = super().standardize_inputs(y_true, y_pred)
        if logps.shape[-1] != 4:
            raise ValueError(
                f"`y_pred` must be {_LOG_PROBS}. "
                f"Received: y_pred.shape={shape_of(logps)}"
            )
        if not self.length_normalized:
            return None, logps
        lengths = ops.cast(ops.convert_to_tensor(y_true), self.dtype)
        if len(lengths.shape) != 2 or lengths.shape[-1] != 2:
            raise ValueError(
                "With `length_normalized=True`, `y_true` must hold the "
                "(chosen, rejected) lengths, of shape (batch_size, 2). "
                f"Received: y_true.shape={shape_of(lengths)}"
            )
        check_batch("y_true", lengths, logps.shape[0])
        return lengths, logps

    def call(self, lengths, logps):
        if lengths is not None:
            lengths = ops.maximum(lengths, 1.0)
            logps = logps / ops.concatenate([lengths, lengths], axis=-1)
        return dpo_values(logps, self.beta, self.label_smoothing)


dpo = kzoo_export("kzoo.losses.dpo")(functional_twin(DPOLoss, "dpo"))
