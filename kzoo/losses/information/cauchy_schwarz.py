"""Cauchy–Schwarz divergence information bottleneck for regression
(Yu et al., ICLR 2024): the conditional CS divergence (prediction term) and
the CS quadratic mutual information (compression term)."""

import math

import keras
from keras import ops

from kzoo._validation import check_bool
from kzoo._validation import check_integer
from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.losses.base import _KzooLoss

_LN2 = math.log(2.0)
_TINY = 1e-30
_DENOMINATORS = ("sum_of_squares", "square_of_sum")

_KERNEL_DOC = """Kernel: κ(a, b) = exp(−‖a − b‖² / (2σ²)), one σ for every
    variable, as in the official training script (σ = 1 with standardized
    inputs and log targets). σ is the bandwidth of a Parzen estimate: too
    small and every off-diagonal kernel value vanishes (the estimators
    saturate), too large and every pair looks alike. Standardize inputs and
    targets and keep σ ≈ 1 (the official `sigma=None` fallback of `CS_QMI`,
    10 × the median *squared* pairwise distance, is not reproduced: it is
    non-differentiable and the paper trains with σ = 1).

    Batch-level: `call` returns a scalar (O(B²) memory), so `sample_weight`
    and `reduction` do not apply (a scalar weight only scales it). Batches of
    one give 0."""


def _fill(cls):
    cls.__doc__ = cls.__doc__.replace("{{kernel_doc}}", _KERNEL_DOC)
    return cls


def gaussian_gram(a, b, sigma):
    """`[Na, Nb]` matrix exp(−‖a_i − b_j‖² / (2σ²))."""
    sq = ops.sum(ops.square(a[:, None, :] - b[None, :, :]), axis=-1)
    return ops.exp(-sq / (2.0 * sigma**2))


def _log2(x):
    return ops.log(ops.maximum(x, _TINY)) / _LN2


def _as_matrix(x, name):
    x = ops.convert_to_tensor(x)
    if len(x.shape) == 1:
        x = ops.reshape(x, (-1, 1))
    if len(x.shape) != 2:
        x = ops.reshape(x, (ops.shape(x)[0], -1))
    return x


def conditional_cs_divergence(
    x, y, y_hat, sigma=1.0, denominator="sum_of_squares"
):
    """Empirical D_CS(p(y|x) ‖ p(ŷ|x)), in bits (see
    `kzoo.losses.ConditionalCSDivergenceLoss`)."""
    k = gaussian_gram(x, x, sigma)
    if denominator == "sum_of_squares":
        d = ops.sum(ops.square(k), axis=-1)
    else:
        d = ops.square(ops.sum(k, axis=-1))

    def term(a, b):
        return ops.sum(ops.sum(k * gaussian_gram(a, b, sigma), axis=-1) / d)

    return (
        _log2(term(y, y))
        + _log2(term(y_hat, y_hat))
        - 2.0 * _log2(term(y_hat, y))
    )


def cs_qmi(x, t, sigma=1.0, normalized=True):
    """Empirical CS quadratic mutual information I_CS(x; t), in bits (see
    `kzoo.losses.CSQMILoss`)."""
    kx = gaussian_gram(x, x, sigma)
    kt = gaussian_gram(t, t, sigma)

    def qmi(a, b):
        n = ops.cast(ops.shape(a)[0], a.dtype)
        joint = ops.sum(a * b) / n**2  # tr(A Bᵀ)/N²
        marg = ops.sum(a) * ops.sum(b) / n**4
        cross = ops.sum(ops.sum(a, axis=0) * ops.sum(b, axis=0)) / n**3
        return _log2(joint) + _log2(marg) - 2.0 * _log2(cross)

    value = qmi(kx, kt)
    if not normalized:
        return value
    scale = ops.sqrt(ops.maximum(qmi(kx, kx), 1e-12)) * ops.sqrt(
        ops.maximum(qmi(kt, kt), 1e-12)
    )
    return value / scale


class _ScalarLoss(_KzooLoss):
    def __call__(self, y_true, y_pred, sample_weight=None):
        with keras.name_scope(self.name):
            value = self.call(y_true, y_pred)
            if sample_weight is not None:
                value = value * ops.cast(
                    ops.mean(ops.convert_to_tensor(sample_weight)), value.dtype
                )
            return value

    def get_config(self):
        config = super().get_config()
        config.pop("reduction", None)
        return config


@kzoo_export("kzoo.losses.ConditionalCSDivergenceLoss")
@_fill
class ConditionalCSDivergenceLoss(_ScalarLoss):
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

    {{kernel_doc}}

    `y_true` packs the target and the conditioning input as
    `[B, target_dim + d_x]` (`concatenate([y, x], axis=1)`: the loss needs x,
    which Keras does not pass to a loss); `y_pred` is `[B, target_dim]`.

    Args:
        target_dim: number of leading columns of `y_true` that are the
            target (the rest is x). Defaults to `1`.
        sigma: kernel width σ > 0. Defaults to `1.0`.
        denominator: `"sum_of_squares"` (official code) or
            `"square_of_sum"`. Defaults to `"sum_of_squares"`.
        name: the loss name. Defaults to `"conditional_cs_divergence_loss"`.
        dtype: computation dtype. Defaults to `None` (float32).

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

    def __init__(
        self,
        target_dim=1,
        sigma=1.0,
        denominator="sum_of_squares",
        name="conditional_cs_divergence_loss",
        dtype=None,
    ):
        super().__init__(name=name, dtype=dtype)
        check_integer("target_dim", target_dim)
        if target_dim < 1:
            raise ValueError(
                "`target_dim` must be a positive integer. "
                f"Received: target_dim={target_dim}"
            )
        self.target_dim = target_dim
        self.sigma = check_positive("sigma", sigma)
        if denominator not in _DENOMINATORS:
            raise ValueError(
                f"`denominator` must be one of {_DENOMINATORS}. "
                f"Received: denominator={denominator!r}"
            )
        self.denominator = denominator

    def call(self, y_true, y_pred):
        y_true = ops.cast(_as_matrix(y_true, "y_true"), self.dtype)
        y_pred = ops.cast(_as_matrix(y_pred, "y_pred"), self.dtype)
        if y_pred.shape[-1] != self.target_dim:
            raise ValueError(
                f"`y_pred` must have target_dim={self.target_dim} columns. "
                f"Received: y_pred.shape={tuple(y_pred.shape)}"
            )
        if (y_true.shape[-1] or 0) <= self.target_dim:
            raise ValueError(
                "`y_true` must be concatenate([y, x], axis=1) with "
                f"target_dim={self.target_dim} target columns followed by x. "
                f"Received: y_true.shape={tuple(y_true.shape)}"
            )
        y = y_true[:, : self.target_dim]
        x = y_true[:, self.target_dim :]
        return conditional_cs_divergence(
            x, y, y_pred, self.sigma, self.denominator
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            target_dim=self.target_dim,
            sigma=self.sigma,
            denominator=self.denominator,
        )
        return config


@kzoo_export("kzoo.losses.CSQMILoss")
@_fill
class CSQMILoss(_ScalarLoss):
    """Cauchy–Schwarz quadratic mutual information: the CS-IB compression
    term I_CS(x; t) between the input x and a latent t.

    Formula (K = κ(x, x), Q = κ(t, t) over a batch of N; logs base 2):

    ```
    I_CS(x; t) = log(tr(KQ)/N²) + log(1ᵀK1 · 1ᵀQ1 / N⁴) − 2 log(1ᵀKQ1 / N³)
    normalized:  I_CS(x; t) / ( sqrt(I_CS(x; x)) · sqrt(I_CS(t; t)) )
    ```

    I_CS ≥ 0 (Cauchy–Schwarz), and the normalized form is 1 when t = x. The
    official training script minimizes the normalized form
    (`CS_QMI_normalized`), kzoo's default; `normalized=False` gives the raw
    estimator of Prop. 2.

    {{kernel_doc}}

    `y_true` is the input x `[B, ...]` (flattened per sample) and `y_pred`
    the latent t `[B, ...]`. Weight it with β through `loss_weights` (the
    official default is β = 0.01; the paper sweeps 1e-4 … 1). See
    `ConditionalCSDivergenceLoss` for a complete CS-IB model.

    Args:
        sigma: kernel width σ > 0 (shared by x and t). Defaults to `1.0`.
        normalized: divide by sqrt(I(x;x)·I(t;t)). Defaults to `True`.
        name: the loss name. Defaults to `"csqmi_loss"`.
        dtype: computation dtype. Defaults to `None` (float32).

    Example:

    ```python
    loss = kzoo.losses.CSQMILoss(sigma=1.0)
    value = loss(x_batch, latent_batch)
    ```

    References:
        - [Yu et al., 2024](https://openreview.net/forum?id=7wY67ZDQTE),
          Cauchy–Schwarz Divergence Information Bottleneck for Regression,
          ICLR 2024.
    """

    def __init__(
        self, sigma=1.0, normalized=True, name="csqmi_loss", dtype=None
    ):
        super().__init__(name=name, dtype=dtype)
        self.sigma = check_positive("sigma", sigma)
        self.normalized = check_bool("normalized", normalized)

    def call(self, y_true, y_pred):
        x = ops.cast(_as_matrix(y_true, "y_true"), self.dtype)
        t = ops.cast(_as_matrix(y_pred, "y_pred"), self.dtype)
        return cs_qmi(x, t, self.sigma, self.normalized)

    def get_config(self):
        config = super().get_config()
        config.update(sigma=self.sigma, normalized=self.normalized)
        return config
