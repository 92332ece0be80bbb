"""Base classes shared by kzoo losses, and Keras' reduction re-implemented.

Why `__call__` is overridden: `keras.losses.Loss.__call__` converts `y_true`
to the loss dtype before `call` sees it. Metric-learning losses compare labels
for equality, and the cast silently merges labels (256 and 257 collide in
bfloat16, 16777216 and 16777217 in float32). kzoo's bases keep labels in their
own integer dtype, convert only `y_pred`, and reduce with `reduce_loss`, which
reproduces Keras' reductions, `sample_weight` handling and TensorFlow replica
scaling (a test compares it with `keras.losses.Loss` in every mode).
"""

import keras
from keras import ops

from kzoo import distances as kdistances
from kzoo import ops as kops
from kzoo.api_export import kzoo_export
from kzoo.backend import num_replicas_in_sync
from kzoo.miners import Miner
from kzoo.miners import pairs_from_triplets
from kzoo.miners import triplets_from_pairs

REDUCTIONS = (
    "sum_over_batch_size",
    "sum",
    None,
    "none",
    "mean",
    "mean_with_sample_weight",
)

COMMON_ARGS = """reduction: how per-sample values are reduced, as in Keras:
            `"sum_over_batch_size"` (or `"mean"`), `"sum"`,
            `"mean_with_sample_weight"`, or `"none"`/`None` for the
            per-sample values. Defaults to `"sum_over_batch_size"`.
        name: the loss name. Defaults to the snake_case class name.
        dtype: the computation dtype. kzoo losses compute in float32 whatever
            the global dtype policy (mixed precision included), unless a dtype
            is given here. Defaults to `None` (float32)."""


def fill_common_args(cls):
    """Substitute the shared `{{common_args}}` text into a class docstring."""
    if cls.__doc__:
        cls.__doc__ = cls.__doc__.replace("{{common_args}}", COMMON_ARGS)
    return cls


def _standardize_reduction(reduction):
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


@kzoo_export("kzoo.losses.reduce_loss")
def reduce_loss(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Weight and reduce per-sample loss values exactly as `keras.losses.Loss`.

    Formula:

    ```
    "sum"                      Σ_i w_i ℓ_i
    "sum_over_batch_size"      Σ_i w_i ℓ_i / B / R
    "mean_with_sample_weight"  Σ_i w_i ℓ_i / Σ_i w_i / R
    "none" / None              w_i ℓ_i
    ```

    with `R` the number of TensorFlow replicas in sync (1 elsewhere). A scalar
    `values` is returned unchanged (batch-level losses).

    Args:
        values: per-sample losses, `[B]` (or any shape; the mean divides by
            the number of elements).
        sample_weight: `None`, a scalar, or weights broadcastable to
            `values`. Defaults to `None`.
        reduction: one of `"sum_over_batch_size"`, `"sum"`, `"mean"`,
            `"mean_with_sample_weight"`, `"none"`, `None`. Defaults to
            `"sum_over_batch_size"`.

    Returns:
        The reduced loss.
    """
    reduction = _standardize_reduction(reduction)
    values = ops.convert_to_tensor(values)
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


def standardize_labels(y_true, batch_size=None, arg_name="y_true"):
    """Integer labels `[B]` from `[B]` or `[B, 1]`, without a float cast."""
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


def standardize_embeddings(y_pred, dtype, arg_name="y_pred"):
    emb = ops.convert_to_tensor(y_pred)
    if len(emb.shape) != 2:
        raise ValueError(
            f"`{arg_name}` must be embeddings of shape (batch_size, dim). "
            f"Received: {arg_name}.shape={tuple(emb.shape)}"
        )
    return ops.cast(emb, dtype)


def pair_average_per_anchor(pair_losses, weights, avg_nonzero=False):
    """Per-anchor values whose mean over anchors is the weighted pair average.

    pytorch-metric-learning reduces pair and triplet losses by averaging over
    the selected pairs (or over those with a positive loss, `AvgNonZero`).
    Keras reduces per-sample values. This returns, for anchor `i`,
    `B · Σ_j w_ij ℓ_ij / Σ_ij w_ij`, so that the default
    `"sum_over_batch_size"` reduction reproduces the pair average exactly and
    `sample_weight` weights each anchor's share of it.

    Args:
        pair_losses: `[B, ...]` losses per pair (or triplet).
        weights: non-negative weights of the same shape (mined counts).
        avg_nonzero: count only the entries with a positive loss.

    Returns:
        Tensor `[B]`.
    """
    if avg_nonzero:
        weights = weights * ops.cast(ops.greater(pair_losses, 0), weights.dtype)
    weights = ops.stop_gradient(weights)
    axes = tuple(range(1, len(pair_losses.shape)))
    per_anchor = ops.sum(weights * pair_losses, axis=axes)
    count = ops.sum(weights)
    batch = ops.cast(ops.shape(pair_losses)[0], per_anchor.dtype)
    return ops.divide_no_nan(per_anchor * batch, count)


class _KzooLoss(keras.losses.Loss):
    """Shared constructor and config: float32 compute, `dtype` serialized."""

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if isinstance(dtype, keras.DTypePolicy):
            dtype = dtype.name
        super().__init__(
            name=name,
            reduction=_standardize_reduction(reduction),
            dtype=dtype or "float32",
        )
        self._dtype_arg = dtype

    def get_config(self):
        config = super().get_config()
        config["dtype"] = self._dtype_arg
        return config


@kzoo_export("kzoo.losses.EmbeddingLoss")
@fill_common_args
class EmbeddingLoss(_KzooLoss):
    """Base class for losses on a batch of embeddings with integer labels.

    Called as `loss(labels, embeddings)` — in `compile`, `y_true` holds the
    labels `[B]` or `[B, 1]` and the model outputs the embeddings `[B, D]`.
    Labels keep their integer dtype (they are never cast to the float loss
    dtype, which would merge large or bfloat16 labels). Subclasses implement
    `call(labels, embeddings) -> [B]`, one value per anchor, and Keras-style
    reduction and `sample_weight` follow.

    Args:
        {{common_args}}
    """

    def __call__(self, y_true, y_pred, sample_weight=None):
        with keras.name_scope(self.name):
            embeddings = standardize_embeddings(y_pred, self.dtype)
            labels = standardize_labels(y_true, embeddings.shape[0])
            losses = self.call(labels, embeddings)
            return reduce_loss(losses, sample_weight, self.reduction)

    def call(self, labels, embeddings):
        raise NotImplementedError


@kzoo_export("kzoo.losses.PairWeightingLoss")
@fill_common_args
class PairWeightingLoss(EmbeddingLoss):
    """Base class of the General Pair Weighting framework (Wang et al., 2019).

    A pair-based loss is a weighting of the pairs of a batch: it computes one
    distance matrix, selects positive and negative pairs from the labels, lets
    an optional miner re-weight them, and hands the dense weights to
    `pair_loss(mat, pos_weight, neg_weight) -> [B]`. Subclasses either
    implement `pair_loss` or override `call` and use `mined_pairs` /
    `mined_triplets` (a triplet miner feeding a pair loss, or a pair miner
    feeding a triplet loss, is converted as in pytorch-metric-learning).

    When the miner uses the same distance as the loss, the matrix is computed
    once.

    Args:
        distance: a `kzoo.distances.Distance` or a name (`"cosine"`,
            `"euclidean"`, ...). Defaults to the subclass's default.
        miner: a `kzoo.miners.Miner`, or `None` to use every pair. Defaults
            to `None`.
        {{common_args}}

    References:
        - [Wang et al., 2019](https://arxiv.org/abs/1904.06627)
    """

    def __init__(self, distance=None, miner=None, **kwargs):
        super().__init__(**kwargs)
        self.distance = (
            self.default_distance()
            if distance is None
            else kdistances.get(distance)
        )
        if miner is not None and not isinstance(miner, Miner):
            raise ValueError(
                "`miner` must be a kzoo.miners.Miner or None. "
                f"Received: miner={miner!r}"
            )
        self.miner = miner

    def default_distance(self):
        return kdistances.CosineSimilarity()

    def _miner_output(self, embeddings, mat, pos, neg):
        miner_mat = (
            mat
            if self.miner.distance == self.distance
            else self.miner.distance(embeddings)
        )
        return self.miner.mine(miner_mat, pos, neg)

    def mined_pairs(self, labels, embeddings, mat):
        """`(pos_weight, neg_weight)`, each `[B, B]` float."""
        pos, neg = kops.label_masks(labels)
        if self.miner is None:
            return ops.cast(pos, mat.dtype), ops.cast(neg, mat.dtype)
        mined = self._miner_output(embeddings, mat, pos, neg)
        if self.miner.output == "triplets":
            return pairs_from_triplets(mined)
        return mined

    def mined_triplets(self, labels, embeddings, mat):
        """Triplet weights `[B, B, B]` (anchor, positive, negative)."""
        pos, neg = kops.label_masks(labels)
        if self.miner is None:
            pos = ops.cast(pos, mat.dtype)
            neg = ops.cast(neg, mat.dtype)
            return triplets_from_pairs(pos, neg)
        mined = self._miner_output(embeddings, mat, pos, neg)
        if self.miner.output == "pairs":
            return triplets_from_pairs(*mined)
        return mined

    def call(self, labels, embeddings):
        mat = self.distance(embeddings)
        pos_weight, neg_weight = self.mined_pairs(labels, embeddings, mat)
        return self.pair_loss(mat, pos_weight, neg_weight)

    def pair_loss(self, mat, pos_weight, neg_weight):
        raise NotImplementedError

    def get_config(self):
        config = super().get_config()
        config["distance"] = keras.saving.serialize_keras_object(self.distance)
        if self.miner is not None:
            config["miner"] = keras.saving.serialize_keras_object(self.miner)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("distance", "miner"):
            if isinstance(config.get(key), dict):
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


@kzoo_export("kzoo.losses.ClassificationLoss")
@fill_common_args
class ClassificationLoss(_KzooLoss):
    """Base class for losses on class scores (logits).

    Called as `loss(y_true, logits)` with `logits` `[B, K]` and `y_true`
    either integer class ids `[B]` / `[B, 1]` (kept integer, never cast to a
    float dtype) or one-hot / probability rows `[B, K]`. Subclasses implement
    `call(targets, logits)` where `targets` is always a float `[B, K]` matrix
    (one-hot for integer ids; an id outside `[0, K)` gives an all-zero row).

    Args:
        {{common_args}}
    """

    def __call__(self, y_true, y_pred, sample_weight=None):
        with keras.name_scope(self.name):
            logits = ops.cast(ops.convert_to_tensor(y_pred), self.dtype)
            if len(logits.shape) != 2:
                raise ValueError(
                    "`y_pred` must be logits of shape "
                    "(batch_size, num_classes). "
                    f"Received: y_pred.shape={tuple(logits.shape)}"
                )
            num_classes = logits.shape[-1]
            if num_classes is not None and num_classes < 2:
                raise ValueError(
                    "`y_pred` must score at least 2 classes. "
                    f"Received: y_pred.shape={tuple(logits.shape)}"
                )
            targets = self._targets(y_true, logits)
            losses = self.call(targets, logits)
            return reduce_loss(losses, sample_weight, self.reduction)

    def _targets(self, y_true, logits):
        y_true = ops.convert_to_tensor(y_true)
        k = logits.shape[-1]
        dense = len(y_true.shape) == 2 and y_true.shape[-1] == k and k != 1
        if dense:
            return ops.cast(y_true, logits.dtype)
        labels = standardize_labels(y_true, logits.shape[0])
        if "float" in str(labels.dtype):
            labels = ops.cast(ops.round(labels), "int32")
        return ops.one_hot(labels, ops.shape(logits)[-1], dtype=logits.dtype)

    def call(self, targets, logits):
        raise NotImplementedError
