"""Input standardization shared by losses and metrics.

kzoo's internal API (not exported to users): `kzoo.losses` and
`kzoo.metrics` both take integer labels next to embeddings, and must not
cast them to the float loss dtype (labels of 2^24 and more would collide).
"""

from keras import ops


def standardize_labels(y_true, batch_size=None, arg_name="y_true"):
    """Integer labels `[B]` from `[B]` or `[B, 1]`, without a float cast.

    Args:
        y_true: the labels.
        batch_size: the batch size they must have, when known. Defaults to
            `None`.
        arg_name: the argument's name in error messages. Defaults to
            `"y_true"`.

    Returns:
        The labels as a rank-1 tensor of their own dtype.
    """
    labels = ops.convert_to_tensor(y_true)
    if len(labels.shape) == 2 and labels.shape[1] == 1:
        labels = ops.reshape(labels, (-1,))
    if len(labels.shape) != 1:
        raise ValueError(
            f"`{arg_name}` must hold one label per sample, of shape "
            f"(batch_size,) or (batch_size, 1). Received: "
            f"{arg_name}.shape={tuple(labels.shape)}"
        )
    if batch_size is not None and labels.shape[0] is not None:
        if labels.shape[0] != batch_size:
            raise ValueError(
                f"`{arg_name}` and `y_pred` must have the same batch size. "
                f"Received: {arg_name}.shape={tuple(labels.shape)}, "
                f"batch size of y_pred={batch_size}"
            )
    return labels
