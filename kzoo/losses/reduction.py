"""Keras' loss reduction, re-implemented for losses that keep integer labels.

`keras.losses.Loss.__call__` converts `y_true` to the loss dtype before
`call` sees it, which silently merges labels (256 and 257 collide in
bfloat16, 16777216 and 16777217 in float32). kzoo's `Loss.__call__` keeps
labels in their own dtype and reduces with `reduce_loss`, which reproduces
Keras' reductions, `sample_weight` and mask handling and TensorFlow replica
scaling exactly (tests/losses/test_reduction.py compares it with
`keras.losses.Loss` in every mode).
"""

from keras import ops

from kzoo.api_export import kzoo_export
from kzoo.backend import num_replicas_in_sync

REDUCTIONS = (
    "sum_over_batch_size",
    "sum",
    None,
    "none",
    "mean",
    "mean_with_sample_weight",
)


def standardize_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(
            "Invalid value for argument `reduction`. Expected one of "
            f"{REDUCTIONS}. Received: reduction={reduction!r}"
        )
    return reduction


def _same_rank(values, weights):
    """Keras' `squeeze_or_expand_to_same_rank` for a trailing unit axis."""
    rv, rw = len(values.shape), len(weights.shape)
    if rv == rw + 1 and values.shape[-1] == 1:
        if rw == 1:
            weights = ops.expand_dims(weights, -1)
        else:
            values = ops.squeeze(values, -1)
    elif rw == rv + 1 and weights.shape[-1] == 1:
        if rv == 1:
            values = ops.expand_dims(values, -1)
        else:
            weights = ops.squeeze(weights, -1)
    return values, weights


def _mask_as_weight(mask, sample_weight, dtype, reduction):
    """Keras' `apply_mask`: merge a Keras mask into the sample weights.

    Under `"sum_over_batch_size"` the kept entries are scaled by
    `total / kept`, so that the mean runs over the kept entries only.
    """
    if mask is None:
        return sample_weight
    mask = ops.convert_to_tensor(mask)
    if reduction in ("mean", "sum_over_batch_size"):
        total = ops.cast(
            ops.prod(ops.convert_to_tensor(ops.shape(mask), dtype="int32")),
            dtype,
        )
        kept = ops.sum(ops.cast(mask, dtype))
        scale = ops.divide_no_nan(total, kept)
        weight = ops.where(ops.cast(mask, "bool"), scale, 0.0)
        weight = ops.cast(weight, dtype)
    else:
        weight = ops.cast(mask, dtype)
    if sample_weight is None:
        return weight
    sample_weight = ops.cast(ops.convert_to_tensor(sample_weight), dtype)
    weight, sample_weight = _same_rank(weight, sample_weight)
    return sample_weight * weight


@kzoo_export("kzoo.losses.reduce_loss")
def reduce_loss(
    values, sample_weight=None, reduction="sum_over_batch_size", mask=None
):
    """Weight and reduce per-sample loss values exactly as `keras.losses.Loss`.

    Formula:

    ```
    "sum"                      Σ_i w_i ℓ_i
    "sum_over_batch_size"      Σ_i w_i ℓ_i / B / R
    "mean_with_sample_weight"  Σ_i w_i ℓ_i / Σ_i w_i / R
    "none" / None              w_i ℓ_i
    ```

    with `R` the number of TensorFlow replicas in sync (1 elsewhere). A Keras
    mask is merged into the weights as Keras does (under
    `"sum_over_batch_size"` the mean then runs over the unmasked entries). A
    scalar `values` (a batch-level loss) is weighted but not reduced.

    Args:
        values: per-sample losses, `[B]` (or any shape; the mean divides by
            the number of elements).
        sample_weight: `None`, a scalar, or weights broadcastable to
            `values`. Defaults to `None`.
        reduction: one of `"sum_over_batch_size"`, `"sum"`, `"mean"`,
            `"mean_with_sample_weight"`, `"none"`, `None`. Defaults to
            `"sum_over_batch_size"`.
        mask: a boolean Keras mask broadcastable to `values`, or `None`.
            Defaults to `None`.

    Returns:
        The reduced loss.
    """
    reduction = standardize_reduction(reduction)
    values = ops.convert_to_tensor(values)
    sample_weight = _mask_as_weight(
        mask, sample_weight, values.dtype, reduction
    )
    if sample_weight is not None:
        sample_weight = ops.cast(
            ops.convert_to_tensor(sample_weight), values.dtype
        )
        values, sample_weight = _same_rank(values, sample_weight)
        values = values * sample_weight
    if reduction in (None, "none") or tuple(values.shape) in ((), (0,)):
        return values
    loss = ops.sum(values)
    if reduction == "sum":
        return loss
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        divisor = ops.cast(ops.sum(sample_weight), loss.dtype)
    else:
        size = ops.prod(ops.convert_to_tensor(ops.shape(values), dtype="int32"))
        divisor = ops.cast(size, loss.dtype)
    loss = ops.divide_no_nan(loss, divisor)
    replicas = num_replicas_in_sync()
    if replicas > 1:
        loss = loss * ops.cast(1.0 / replicas, loss.dtype)
    return loss
