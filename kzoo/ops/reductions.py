"""Masked, weighted log-sum-exp (and the InfoNCE terms built on it)."""

from keras import ops

from kzoo.api_export import kzoo_export
from kzoo.ops.masks import BIG


@kzoo_export("kzoo.ops.masked_logsumexp")
def masked_logsumexp(x, mask, axis=-1, keepdims=False, add_one=False):
    """Log-sum-exp over the entries selected (and weighted) by `mask`.

    `mask` may be boolean, or hold non-negative weights (pair counts from a
    miner, for instance); entries with weight 0 are left out. With
    `add_one=True` an extra `exp(0) = 1` joins the sum (the "+1" of the
    multi-similarity and lifted-structure losses). A slice with nothing
    selected returns 0 (also with `add_one`, where `log 1 = 0`) and has a zero
    gradient. Stable for large inputs: the maximum is factored out.

    Formula:

    ```
    masked_logsumexp(x, w) = log( [add_one] + Σ_j w_j · exp(x_j) )
    ```

    Args:
        x: a float tensor.
        mask: boolean or non-negative float tensor of the same shape as `x`.
        axis: the axis to reduce. Defaults to `-1`.
        keepdims: keep the reduced axis. Defaults to `False`.
        add_one: add the constant term `exp(0)` to the sum. Defaults to `False`.

    Returns:
        The reduced tensor.
    """
    x = ops.convert_to_tensor(x)
    mask = ops.convert_to_tensor(mask)
    if mask.dtype == "bool":
        valid = mask
        weights = ops.cast(mask, x.dtype)
    else:
        weights = ops.cast(mask, x.dtype)
        valid = ops.greater(weights, 0)
    any_valid = ops.any(valid, axis=axis, keepdims=True)
    m = ops.max(ops.where(valid, x, -BIG), axis=axis, keepdims=True)
    if add_one:
        m = ops.maximum(m, 0.0)
    m = ops.stop_gradient(ops.where(any_valid, m, 0.0))
    shifted = ops.where(valid, x - m, -BIG)
    total = ops.sum(weights * ops.exp(shifted), axis=axis, keepdims=True)
    if add_one:
        total = total + ops.exp(-m)
    else:
        total = ops.where(any_valid, total, 1.0)
    out = ops.log(total) + m
    if not add_one:
        out = ops.where(any_valid, out, 0.0)
    if not keepdims:
        out = ops.squeeze(out, axis=axis)
    return out
