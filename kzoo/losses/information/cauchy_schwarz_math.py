"""Cauchy–Schwarz estimators of the CS divergence information bottleneck
(Yu et al., ICLR 2024), shared by `ConditionalCSDivergenceLoss` (prediction
term) and `CSQMILoss` (compression term): Gaussian Gram matrices, the
conditional CS divergence and the CS quadratic mutual information."""

import math

from keras import ops

from kzoo._docstrings import register_snippet

_LN2 = math.log(2.0)
_TINY = 1e-30

register_snippet(
    "cs_kernel",
    """Kernel: κ(a, b) = exp(−‖a − b‖² / (2σ²)), one σ for every
    variable, as in the official training script (σ = 1 with standardized
    inputs and log targets). σ is the bandwidth of a Parzen estimate: too
    small and every off-diagonal kernel value vanishes (the estimators
    saturate), too large and every pair looks alike. Standardize inputs and
    targets and keep σ ≈ 1 (the official `sigma=None` fallback of `CS_QMI`,
    10 × the median *squared* pairwise distance, is not reproduced: it is
    non-differentiable and the paper trains with σ = 1).

    Batch-level: the loss is one scalar for the batch (O(B²) memory), so
    `reduction` has no effect, a scalar `sample_weight` scales the value and
    per-sample weights are refused with a `ValueError`. Batches of one
    give 0.""",
)


def gaussian_gram(a, b, sigma):
    """`[Na, Nb]` matrix exp(−‖a_i − b_j‖² / (2σ²))."""
    sq = ops.sum(ops.square(a[:, None, :] - b[None, :, :]), axis=-1)
    return ops.exp(-sq / (2.0 * sigma**2))


def _log2(x):
    return ops.log(ops.maximum(x, _TINY)) / _LN2


def as_matrix(x, dtype):
    """`[B, features]` in `dtype`: `[B]` becomes `[B, 1]`, higher ranks are
    flattened per sample."""
    x = ops.cast(ops.convert_to_tensor(x), dtype)
    if len(x.shape) == 1:
        x = ops.reshape(x, (-1, 1))
    if len(x.shape) != 2:
        x = ops.reshape(x, (ops.shape(x)[0], -1))
    return x


def conditional_cs_divergence_estimate(
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


def cs_qmi_estimate(x, t, sigma=1.0, normalized=True):
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
