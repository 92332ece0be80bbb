"""Argument and input checks shared by all of kzoo.

Hyper-parameter checks (`check_*`) run in constructors; tensor-input checks
(`labels`, `predictions`, `ids`, ...) run when a component is called, on
static shapes, before any computation. Each raises `ValueError` in Keras
phrasing, naming the argument and the value received
(``"`margin` must be a number. Received: margin='a'"``), and returns the
value (as a float for numbers, as a standardized tensor for inputs).
"""

from keras import ops


def is_number(value):
    return not isinstance(value, bool) and isinstance(value, (int, float))


def check_number(name, value):
    if not is_number(value):
        raise ValueError(
            f"`{name}` must be a number. Received: {name}={value!r}"
        )
    return float(value)


def check_positive(name, value):
    if not is_number(value) or value <= 0:
        raise ValueError(
            f"`{name}` must be a positive number. Received: {name}={value!r}"
        )
    return float(value)


def check_non_negative(name, value):
    if not is_number(value) or value < 0:
        raise ValueError(
            f"`{name}` must be a non-negative number. "
            f"Received: {name}={value!r}"
        )
    return float(value)


def check_bool(name, value):
    if not isinstance(value, bool):
        raise ValueError(f"`{name}` must be a bool. Received: {name}={value!r}")
    return value


def check_integer(name, value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(
            f"`{name}` must be an integer. Received: {name}={value!r}"
        )
    return value


# -- tensor inputs ------------------------------------------------------


def shape_of(x):
    return tuple(x.shape)


def check_batch(name, x, batch_size, other="y_pred"):
    """Raise unless `x`'s leading dimension is `batch_size` (when both are
    known statically)."""
    if batch_size is None or not x.shape or x.shape[0] is None:
        return
    if x.shape[0] != batch_size:
        raise ValueError(
            f"`{name}` and `{other}` must have the same batch size. "
            f"Received: {name}.shape={shape_of(x)}, batch size of "
            f"{other}={batch_size}"
        )


def predictions(y_pred, dtype, rank=None, min_rank=1, what=None, arg="y_pred"):
    """`y_pred` as a float tensor of the loss dtype, with a rank check."""
    x = ops.cast(ops.convert_to_tensor(y_pred), dtype)
    ok = len(x.shape) == rank if rank is not None else len(x.shape) >= min_rank
    if not ok:
        expected = what or (
            f"a tensor of rank {rank}"
            if rank is not None
            else f"a tensor of rank >= {min_rank}"
        )
        raise ValueError(
            f"`{arg}` must be {expected}. Received: {arg}.shape={shape_of(x)}"
        )
    return x


def labels(y_true, batch_size=None, arg="y_true"):
    """Integer labels `[B]` from `[B]` or `[B, 1]`, in their own dtype."""
    x = ops.convert_to_tensor(y_true)
    if len(x.shape) == 2 and x.shape[1] == 1:
        x = ops.reshape(x, (-1,))
    if len(x.shape) != 1:
        raise ValueError(
            f"`{arg}` must hold one label per sample, of shape "
            f"(batch_size,) or (batch_size, 1). Received: "
            f"{arg}.shape={shape_of(x)}"
        )
    check_batch(arg, x, batch_size)
    return x


def ids(y_true, batch_size=None, columns=None, arg="y_true"):
    """An integer id matrix `[B, columns]` (a `[B]` vector when
    `columns == 1` is accepted), in its own integer dtype; float ids are
    rounded to int32."""
    x = ops.convert_to_tensor(y_true)
    if len(x.shape) == 1 and columns == 1:
        x = ops.reshape(x, (-1, 1))
    if len(x.shape) != 2 or (
        columns is not None and x.shape[1] is not None and x.shape[1] != columns
    ):
        cols = "columns" if columns is None else columns
        raise ValueError(
            f"`{arg}` must have shape (batch_size, {cols}). "
            f"Received: {arg}.shape={shape_of(x)}"
        )
    check_batch(arg, x, batch_size)
    if "float" in str(x.dtype):
        x = ops.cast(ops.round(x), "int32")
    return x


def class_targets(y_true, logits, arg="y_true"):
    """Float targets `[B, K]` from class ids (one-hot) or dense rows.

    An id outside `[0, K)` gives an all-zero row.
    """
    y = ops.convert_to_tensor(y_true)
    k = logits.shape[-1]
    if len(y.shape) == 2 and y.shape[-1] == k and k != 1:
        check_batch(arg, y, logits.shape[0])
        return ops.cast(y, logits.dtype)
    ids_ = labels(y, logits.shape[0], arg=arg)
    if "float" in str(ids_.dtype):
        ids_ = ops.cast(ops.round(ids_), "int32")
    return ops.one_hot(ids_, ops.shape(logits)[-1], dtype=logits.dtype)


def scores(y_pred, dtype, arg="y_pred", what="binary score"):
    """One float score per sample, `[B]` from `[B]` or `[B, 1]`."""
    x = ops.cast(ops.convert_to_tensor(y_pred), dtype)
    if len(x.shape) == 2 and x.shape[-1] == 1:
        x = ops.reshape(x, (-1,))
    if len(x.shape) != 1:
        raise ValueError(
            f"`{arg}` must hold one {what} per sample, of shape "
            f"(batch_size,) or (batch_size, 1). Received: "
            f"{arg}.shape={shape_of(x)}"
        )
    return x


def views(x, count=2, arg="y_pred"):
    """Split `[B, count·D]` into `count` views `[B, D]`."""
    width = x.shape[-1]
    if len(x.shape) != 2 or width is None or width % count:
        raise ValueError(
            f"`{arg}` must hold {count} views side by side, of shape "
            f"(batch_size, {count} * dim). Received: {arg}.shape={shape_of(x)}"
        )
    d = width // count
    return tuple(x[:, i * d : (i + 1) * d] for i in range(count))
