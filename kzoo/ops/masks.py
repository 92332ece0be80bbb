"""Label masks and masked extrema, as dense tensors of static shape."""

from keras import ops

from kzoo.api_export import kzoo_export

# Stand-in for ±infinity that keeps every arithmetic result finite in float32.
BIG = 1e30


@kzoo_export("kzoo.ops.label_masks")
def label_masks(labels, ref_labels=None, self_offset=None):
    """Boolean positive and negative pair masks from integer labels.

    Formula:

    ```
    pos_ij = [y_i = r_j] ∧ ¬(same set ∧ i = j)
    neg_ij = [y_i ≠ r_j]
    ```

    Args:
        labels: integer tensor `[N]` (or `[N, 1]`).
        ref_labels: integer tensor `[M]` of the reference rows, or `None` when
            the references are the queries themselves; then an item is never
            its own positive. Defaults to `None`.
        self_offset: when the references contain the queries themselves
            (gathered across replicas, say), query `i` is reference
            `i + self_offset` and is not its own positive. Defaults to `None`.

    Returns:
        A tuple `(pos, neg)` of boolean tensors `[N, M]`.
    """
    labels = ops.reshape(ops.convert_to_tensor(labels), (-1,))
    same = ref_labels is None
    ref = (
        labels
        if same
        else ops.reshape(ops.convert_to_tensor(ref_labels), (-1,))
    )
    equal = ops.equal(labels[:, None], ref[None, :])
    neg = ops.logical_not(equal)
    if same:
        n = ops.shape(labels)[0]
        equal = ops.logical_and(
            equal, ops.logical_not(ops.eye(n, dtype="bool"))
        )
    elif self_offset is not None:
        rows = ops.arange(ops.shape(labels)[0], dtype="int32")
        cols = ops.arange(ops.shape(ref)[0], dtype="int32")
        offset = ops.cast(self_offset, "int32")
        is_self = ops.equal(rows[:, None] + offset, cols[None, :])
        equal = ops.logical_and(equal, ops.logical_not(is_self))
    return equal, neg


def _as_bool(mask):
    mask = ops.convert_to_tensor(mask)
    if mask.dtype != "bool":
        mask = ops.greater(mask, 0)
    return mask


def _is_sentinel(value, sentinel):
    """Whether `value` is the Python number `sentinel` (then the `any` pass
    that substitutes the empty-slice value can be skipped)."""
    return isinstance(value, (int, float)) and float(value) == sentinel


@kzoo_export("kzoo.ops.masked_max")
def masked_max(x, mask, axis=-1, keepdims=False, empty_value=-BIG):
    """Maximum of the entries of `x` where `mask` holds; `empty_value` if none.

    Args:
        x: a float tensor.
        mask: boolean or non-negative weight tensor broadcastable to `x`
            (an entry counts when it is true or positive).
        axis: the axis to reduce. Defaults to `-1`.
        keepdims: keep the reduced axis. Defaults to `False`.
        empty_value: the result for a fully masked slice. Defaults to `-1e30`.

    Returns:
        The masked maxima.
    """
    x = ops.convert_to_tensor(x)
    mask = _as_bool(mask)
    out = ops.max(ops.where(mask, x, -BIG), axis=axis, keepdims=keepdims)
    if _is_sentinel(empty_value, -BIG):  # an empty slice already gives -BIG
        return out
    any_valid = ops.any(mask, axis=axis, keepdims=keepdims)
    return ops.where(any_valid, out, ops.cast(empty_value, x.dtype))


@kzoo_export("kzoo.ops.masked_min")
def masked_min(x, mask, axis=-1, keepdims=False, empty_value=BIG):
    """Minimum of the entries of `x` where `mask` holds; `empty_value` if none.

    Args:
        x: a float tensor.
        mask: boolean or non-negative weight tensor broadcastable to `x`.
        axis: the axis to reduce. Defaults to `-1`.
        keepdims: keep the reduced axis. Defaults to `False`.
        empty_value: the result for a fully masked slice. Defaults to `1e30`.

    Returns:
        The masked minima.
    """
    x = ops.convert_to_tensor(x)
    mask = _as_bool(mask)
    out = ops.min(ops.where(mask, x, BIG), axis=axis, keepdims=keepdims)
    if _is_sentinel(empty_value, BIG):  # an empty slice already gives BIG
        return out
    any_valid = ops.any(mask, axis=axis, keepdims=keepdims)
    return ops.where(any_valid, out, ops.cast(empty_value, x.dtype))
