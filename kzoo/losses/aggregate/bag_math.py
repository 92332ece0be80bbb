"""Bag statistics and element losses shared by the aggregate-response
losses `BagLoss`, `InstanceLoss` and `InterpolatingBagLoss` (Javanmard et
al., ICLR 2024)."""

from keras import ops

from kzoo._docstrings import register_snippet
from kzoo._validation import check_batch
from kzoo._validation import scores
from kzoo._validation import shape_of

ELEMENT_LOSSES = ("squared_error", "binary_crossentropy")

register_snippet(
    "bag_args",
    """y_true layout: `[B, 2]` rows `(response, bag_id)`. `response`
    is the bag's aggregate response, repeated on every instance of the bag
    (instance responses may also be given: the loss averages them per bag, so
    only their mean matters). `bag_id` is an integer-valued id; rows with a
    negative id are padding and ignored. A batch must hold whole bags (batch
    by bag, e.g. sort by bag id and use a batch size that is a multiple of the
    bag size). Bags are matched with a dense `[B, B]` mask, so shapes stay
    static and jit-safe; ids are compared after a cast to the loss dtype
    (float32), exact for ids below 2**24. `y_pred` is `[B]` or `[B, 1]`: one
    prediction per instance (a probability for `"binary_crossentropy"`).

    This is a batch-level loss: it returns one scalar for the batch, so
    `reduction` has no effect, a scalar `sample_weight` scales the value and
    per-sample weights are refused with a `ValueError` (the value is not a
    sum over samples).""",
)


def check_element_loss(loss):
    if loss not in ELEMENT_LOSSES:
        raise ValueError(
            f"`loss` must be one of {ELEMENT_LOSSES}. Received: loss={loss!r}"
        )
    return loss


def standardize_bag_inputs(y_true, y_pred, dtype):
    """`(y_true [B, 2], y_pred [B])` in `dtype`, from `(response, bag_id)`
    rows and one prediction per instance (`[B]` or `[B, 1]`)."""
    pred = scores(y_pred, dtype, what="prediction")
    y_true = ops.cast(ops.convert_to_tensor(y_true), dtype)
    if len(y_true.shape) != 2 or y_true.shape[-1] != 2:
        raise ValueError(
            "`y_true` must be (response, bag_id) rows of shape "
            f"(batch_size, 2). Received: y_true.shape={shape_of(y_true)}"
        )
    check_batch("y_true", y_true, pred.shape[0])
    return y_true, pred


def element_loss(kind, target, pred):
    """ℓ(target, pred) elementwise: squared error or binary cross-entropy
    on probabilities (clipped to [1e-7, 1 − 1e-7])."""
    if kind == "squared_error":
        return ops.square(target - pred)
    eps = 1e-7
    pred = ops.clip(pred, eps, 1.0 - eps)
    return -(target * ops.log(pred) + (1.0 - target) * ops.log(1.0 - pred))


def bag_statistics(y_true, pred):
    """Per-instance bag statistics from `(response, bag_id)` rows `[B, 2]`
    and predictions `[B]` (see `standardize_bag_inputs`).

    Returns `(valid, bag_size, mean_response, mean_prediction)`, each `[B]`:
    for instance i of bag a, `bag_size = k_a`, `mean_response = ȳ_a` and
    `mean_prediction = f̄_a`; `valid` is 0 for padding rows.
    """
    response, bag_id = y_true[:, 0], y_true[:, 1]
    dtype = pred.dtype
    valid = ops.cast(ops.greater_equal(bag_id, 0.0), dtype)
    same = ops.cast(ops.equal(bag_id[:, None], bag_id[None, :]), dtype) * (
        valid[:, None] * valid[None, :]
    )
    size = ops.sum(same, axis=1)
    safe = ops.maximum(size, 1.0)
    mean_response = ops.matmul(same, response[:, None])[:, 0] / safe
    mean_pred = ops.matmul(same, pred[:, None])[:, 0] / safe
    return valid, size, mean_response, mean_pred


def bag_level_loss(kind, valid, size, mean_response, mean_pred):
    """L_bag = (1/m) Σ_a ℓ(ȳ_a, f̄_a), with m = Σ_i 1/k_{a(i)} bags (the
    arguments are `bag_statistics`)."""
    w = valid / ops.maximum(size, 1.0)
    return ops.divide_no_nan(
        ops.sum(w * element_loss(kind, mean_response, mean_pred)),
        ops.sum(w),
    )


def instance_level_loss(kind, valid, mean_response, pred):
    """L_inst = (1/n) Σ_i ℓ(ȳ_{a(i)}, f(x_i)) over the valid instances."""
    return ops.divide_no_nan(
        ops.sum(valid * element_loss(kind, mean_response, pred)),
        ops.sum(valid),
    )
