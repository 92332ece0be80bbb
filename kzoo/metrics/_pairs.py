"""Shared helpers of the in-batch pair statistics metrics."""

import keras
from keras import ops

from kzoo.ops.norms import l2_normalize


def embeddings_of(y_pred, normalize):
    emb = ops.cast(ops.convert_to_tensor(y_pred), "float32")
    if len(emb.shape) != 2:
        raise ValueError(
            "`y_pred` must be embeddings of shape (batch_size, dim). "
            f"Received: y_pred.shape={tuple(emb.shape)}"
        )
    return l2_normalize(emb) if normalize else emb


def upper_pair_weights(batch_size, sample_weight=None):
    """Weights of the pairs i < j: `w_i · w_j` (1 without sample weights)."""
    upper = ops.triu(ops.ones((batch_size, batch_size), "float32"), k=1)
    if sample_weight is None:
        return upper
    w = ops.reshape(
        ops.cast(ops.convert_to_tensor(sample_weight), "float32"), (-1,)
    )
    w = ops.broadcast_to(w, (batch_size,))
    return upper * w[:, None] * w[None, :]


class PairSumMetric(keras.metrics.Metric):
    """A metric whose state is sum-reducible: totals and pair counts."""

    def _sum_var(self, name):
        return self.add_variable(
            shape=(), initializer="zeros", dtype="float32", name=name
        )

    def reset_state(self):
        for v in self.variables:
            v.assign(ops.zeros(v.shape, v.dtype))
