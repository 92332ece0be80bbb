"""Conditional Cauchy–Schwarz divergence loss: the CS-IB prediction term
(Yu et al., ICLR 2024)."""

from kzoo._validation import check_batch
from kzoo._validation import check_integer
from kzoo._validation import check_positive
from kzoo._validation import shape_of
from kzoo.api_export import kzoo_export
from kzoo.losses.information.cauchy_schwarz_math import as_matrix
from kzoo.losses.information.cauchy_schwarz_math import (
    conditional_cs_divergence_estimate,
)
from kzoo.losses.loss import Loss
from kzoo.losses.twins import functional_twin

DENOMINATORS = ("sum_of_squares", "square_of_sum")


@kzoo_export("kzoo.losses.ConditionalCSDivergenceLoss")
class ConditionalCSDivergenceLoss(Loss):
    """Conditional Cauchy–Schwarz divergence: the CS-IB prediction term.

    Measures, without any distributional assumption, how far the model's
    conditional p(ŷ|x) is from the data's p(y|x), with Gaussian-kernel
    (Parzen) estimates over the batch. It replaces the MSE of a regression
    model; CS-IB adds β·`CSQMILoss` on the latent representation.

    Formula (K = κ(x, x), L¹ = κ(y, y), L² = κ(ŷ, ŷ), L²¹_ji = κ(ŷ_j, y_i),
    d_j = Σ_i K_ji², all over the batch; logs base 2):

    ```
    D̂_CS = log Σ_j (Σ_i K_ji L¹_ji / d_j) + log Σ_j (Σ_i K_ji L²_ji / d_j)
           − 2 log Σ_j (Σ_i K_ji L²¹_ji / d_j)
    ```

    D̂_CS ≥ 0 up to estimation error and is 0 when ŷ = y. `d_j` follows the
    official `CS_Div` (`denominator="sum_of_squares"`); the paper's Prop. 1
    can also be read with `d_j = (Σ_i K_ji)²` (`"square_of_sum"`).

    {{cs_kernel}}

    `y_true` packs the target and the conditioning input as
    `[B, target_dim + d_x]` (`concatenate([y, x], axis=1)`: the loss needs x,
    which Keras does not pass to a loss); `y_pred` is `[B, target_dim]`.

    Args:
        target_dim: number of leading columns of `y_true` that are the
            target (the rest is x). Defaults to `1`.
        sigma: kernel width σ > 0. Defaults to `1.0`.
        denominator: `"sum_of_squares"` (official code) or
            `"square_of_sum"`. Defaults to `"sum_of_squares"`.
        {{loss_args}}

    Example (CS-IB: the model returns the prediction and its latent):

    ```python
    inputs = keras.Input((d,))
    t = keras.layers.Dense(32, activation="relu", name="latent")(inputs)
    y_hat = keras.layers.Dense(1, name="prediction")(t)
    model = keras.Model(inputs, {"prediction": y_hat, "latent": t})
    model.compile(
        optimizer="adam",
        loss={"prediction": kzoo.losses.ConditionalCSDivergenceLoss(),
              "latent": kzoo.losses.CSQMILoss()},
        loss_weights={"prediction": 1.0, "latent": beta})
    model.fit(x, {"prediction": np.concatenate([y, x], 1), "latent": x})
    ```

    References:
        - [Yu et al., 2024](https://openreview.net/forum?id=7wY67ZDQTE),
          Cauchy–Schwarz Divergence Information Bottleneck for Regression,
          ICLR 2024.
    """

    batch_level = True

    def __init__(
        self,
        target_dim=1,
        sigma=1.0,
        denominator="sum_of_squares",
        name="conditional_cs_divergence_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        check_integer("target_dim", target_dim)
        if target_dim < 1:
            raise ValueError(
                "`target_dim` must be a positive integer. "
                f"Received: target_dim={target_dim}"
            )
        self.target_dim = target_dim
        self.sigma = check_positive("sigma", sigma)
        if denominator not in DENOMINATORS:
            raise ValueError(
                f"`denominator` must be one of {DENOMINATORS}. "
                f"Received: denominator={denominator!r}"
            )
        self.denominator = denominator

    def standardize_inputs(self, y_true, y_pred):
        # `concatenate([y, x], axis=1)` and the prediction, both flattened
        # per sample: no `kzoo.losses.inputs` kind has this pair.
        y_true = as_matrix(y_true, self.dtype)
        y_pred = as_matrix(y_pred, self.dtype)
        if y_pred.shape[-1] != self.target_dim:
            raise ValueError(
                f"`y_pred` must have target_dim={self.target_dim} columns. "
                f"Received: y_pred.shape={shape_of(y_pred)}"
            )
        if (y_true.shape[-1] or 0) <= self.target_dim:
            raise ValueError(
                "`y_true` must be concatenate([y, x], axis=1) with "
                f"target_dim={self.target_dim} target columns followed by x. "
                f"Received: y_true.shape={shape_of(y_true)}"
            )
        check_batch("y_true", y_true, y_pred.shape[0])
        return y_true, y_pred

    def call(self, y_true, y_pred):
        y = y_true[:, : self.target_dim]
        x = y_true[:, self.target_dim :]
        return conditional_cs_divergence_estimate(
            x, y, y_pred, self.sigma, self.denominator
        )


conditional_cs_divergence = kzoo_export(
    "kzoo.losses.conditional_cs_divergence"
)(functional_twin(ConditionalCSDivergenceLoss, "conditional_cs_divergence"))
