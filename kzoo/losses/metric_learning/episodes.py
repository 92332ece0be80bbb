"""Few-shot episodes: the batch layout, its checks and the episode distance.

Shared by `ProtoTripletLoss` and `ICNNLoss` (functions, not a base class):
both read one episode per batch, `way·shot` supports then `way·query`
queries, with episode labels in `[0, way)`.
"""

from keras import ops

from kzoo._docstrings import register_snippet
from kzoo._validation import check_integer
from kzoo._validation import labels as standardize_labels
from kzoo._validation import predictions

register_snippet(
    "episode_layout",
    """The batch is one episode in a fixed layout: `y_pred` holds the
    `way·shot` support embeddings first, then the `way·query` query
    embeddings; `y_true` holds episode labels in `[0, way)` (any order within
    each part). `kzoo.data.EpisodeSampler` produces this layout.""",
)


def check_positive_int(name, value):
    check_integer(name, value)
    if value < 1:
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value!r}"
        )
    return value


def check_episode(way, shot, query):
    """Validate `(way, shot, query)`; returns them."""
    check_positive_int("way", way)
    if way < 2:
        raise ValueError(f"`way` must be at least 2. Received: way={way!r}")
    return (
        way,
        check_positive_int("shot", shot),
        check_positive_int("query", query),
    )


def episode_inputs(y_true, y_pred, dtype, way, shot, query):
    """`(labels int32 [B], embeddings [B, D])` of one episode, with
    `B = way·(shot + query)` checked statically."""
    emb = predictions(
        y_pred, dtype, rank=2, what="embeddings of shape (batch_size, dim)"
    )
    size = way * (shot + query)
    if emb.shape[0] is not None and emb.shape[0] != size:
        raise ValueError(
            f"`y_pred` must hold one episode of way·(shot + query) = "
            f"{size} embeddings. Received: y_pred.shape={tuple(emb.shape)}"
        )
    labels = ops.cast(standardize_labels(y_true, emb.shape[0]), "int32")
    return labels, emb


def episode_distance(a, b):
    """`d(a, b) = sqrt(Σ (a − b)² + 1e-6)` for all pairs, `[n, m]`."""
    diff = a[:, None, :] - b[None, :, :]
    return ops.sqrt(ops.sum(ops.square(diff), axis=-1) + 1e-6)


def prototypes(support, support_labels, way):
    """Class means of the supports, `[way, D]`."""
    one_hot = ops.one_hot(support_labels, way, dtype=support.dtype)
    counts = ops.maximum(ops.sum(one_hot, axis=0), 1.0)
    return ops.matmul(ops.transpose(one_hot), support) / counts[:, None]
