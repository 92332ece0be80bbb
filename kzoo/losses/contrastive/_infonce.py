"""Shared pieces of the InfoNCE family: logits from a distance, the masked
log-sum-exp forms of (multi-positive, weighted) InfoNCE, and a base class for
losses whose model output is two views side by side.

Every in-batch-negative loss of the family computes its logits with
`similarity_logits` and its log-partition with `kzoo.ops.masked_logsumexp`, the
same building blocks as `NTXentLoss`, so that cross-replica gathering or
chunked log-sum-exp can later be added in one place.
"""

import keras
from keras import ops

from kzoo import distances as kdistances
from kzoo import ops as kops
from kzoo._validation import check_positive
from kzoo.losses.base import _KzooLoss
from kzoo.losses.base import reduce_loss
from kzoo.losses.base import standardize_embeddings

BIG = 1e30


def similarity_logits(distance, a, b, temperature):
    """`sim(a_i, b_j) / τ`; a distance (not a similarity) is negated."""
    mat = distance(a, b)
    mat = mat if distance.is_similarity else -mat
    return mat / temperature


def diagonal(mat):
    """The diagonal of a square matrix, as a masked sum (torch's inductor
    lowers `ops.diagonal` with a deprecation warning)."""
    n = ops.shape(mat)[0]
    return ops.sum(mat * ops.eye(n, dtype=mat.dtype), axis=1)


def multi_positive_nce(logits, pos_mask, valid=None):
    """`−log Σ_{j∈P_i} softmax(logits_i)_j` per row (0 for a row without
    positives). `valid` restricts the softmax denominator (default: all)."""
    if valid is None:
        valid = ops.ones_like(logits)
    total = kops.masked_logsumexp(logits, valid)
    pos = kops.masked_logsumexp(logits, pos_mask)
    has_pos = ops.any(ops.greater(ops.cast(pos_mask, logits.dtype), 0), 1)
    return ops.where(has_pos, total - pos, 0.0)


def weighted_nce(logits, pos_logit, weights):
    """`−pos_i + log Σ_j w_ij exp(logits_ij)` per row (0 when every weight of
    the row is 0): InfoNCE with a weighted denominator."""
    lse = kops.masked_logsumexp(logits, weights)
    has = ops.any(ops.greater(weights, 0), axis=1)
    return ops.where(has, lse - pos_logit, 0.0)


def check_distance(distance):
    return (
        kdistances.CosineSimilarity()
        if distance is None
        else kdistances.get(distance)
    )


def integer_ids(y_true, batch_size, columns, arg_name="y_true"):
    """Integer id matrix `[B, columns]` (kept in its integer dtype)."""
    ids = ops.convert_to_tensor(y_true)
    if len(ids.shape) == 1 and columns == 1:
        ids = ops.reshape(ids, (-1, 1))
    if len(ids.shape) != 2 or (
        columns is not None
        and ids.shape[1] is not None
        and ids.shape[1] != columns
    ):
        raise ValueError(
            f"`{arg_name}` must have shape (batch_size, {columns}). "
            f"Received: {arg_name}.shape={tuple(ids.shape)}"
        )
    if ids.shape[0] is not None and batch_size is not None:
        if ids.shape[0] != batch_size:
            raise ValueError(
                f"`{arg_name}` and `y_pred` must have the same batch size. "
                f"Received: {arg_name}.shape={tuple(ids.shape)}, "
                f"batch size of y_pred={batch_size}"
            )
    if "float" in str(ids.dtype):
        ids = ops.cast(ops.round(ids), "int32")
    return ids


def split_views(y_pred, dtype, arg_name="y_pred"):
    """`[B, 2D]` model output -> the two `[B, D]` views."""
    emb = standardize_embeddings(y_pred, dtype, arg_name)
    width = emb.shape[-1]
    if width is None or width % 2:
        raise ValueError(
            f"`{arg_name}` must hold two views side by side, of shape "
            f"(batch_size, 2 * dim). Received: {arg_name}.shape="
            f"{tuple(emb.shape)}"
        )
    half = width // 2
    return emb[:, :half], emb[:, half:]


class TemperatureLoss(_KzooLoss):
    """`temperature` and `distance` handling and config for the family."""

    def __init__(self, temperature, distance=None, **kwargs):
        super().__init__(**kwargs)
        self.temperature = check_positive("temperature", temperature)
        self.distance = check_distance(distance)

    def __call__(self, y_true, y_pred, sample_weight=None):
        with keras.name_scope(self.name):
            losses = self.call(y_true, y_pred)
            return reduce_loss(losses, sample_weight, self.reduction)

    def get_config(self):
        config = super().get_config()
        config["temperature"] = self.temperature
        config["distance"] = keras.saving.serialize_keras_object(self.distance)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("distance"), dict):
            config["distance"] = keras.saving.deserialize_keras_object(
                config["distance"]
            )
        return cls(**config)
