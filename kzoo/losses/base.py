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


IN_BATCH_ARGS = """chunk_size: `None` for the dense path, or the number of
            reference columns per tile of the streamed path: the loss is then
            computed tile by tile with a log-sum-exp over tiles, and the
            backward pass recomputes each tile, so memory is
            O(B · chunk_size) instead of O(B²). Same value and gradient as
            the dense path (to float32 rounding). Not combined with a
            `miner`. Defaults to `None`.
        gather_across_replicas: under `tf.distribute` or `torch.distributed`,
            compare the local anchors with the references of every replica
            (gathered with gradients, `kzoo.backend.all_gather`) and
            normalize by the global number of pairs, so that one update on
            N replicas equals one update on the whole batch. On JAX
            (`keras.distribution`) the loss already sees the global batch and
            this changes nothing. Defaults to `False`."""


def fill_in_batch_args(cls):
    """Substitute `{{in_batch_args}}` (and `{{common_args}}`) in a
    docstring."""
    if cls.__doc__:
        cls.__doc__ = cls.__doc__.replace("{{in_batch_args}}", IN_BATCH_ARGS)
    return fill_common_args(cls)


def _check_chunk_size(chunk_size):
    if chunk_size is None:
        return None
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int):
        raise ValueError(
            "`chunk_size` must be a positive integer or None. "
            f"Received: chunk_size={chunk_size!r}"
        )
    if chunk_size <= 0:
        raise ValueError(
            "`chunk_size` must be a positive integer or None. "
            f"Received: chunk_size={chunk_size!r}"
        )
    return chunk_size


@kzoo_export("kzoo.losses.InBatchNegativeLoss")
@fill_in_batch_args
class InBatchNegativeLoss(PairWeightingLoss):
    """Base class of softmax losses whose negatives are the rest of the batch.

    A subclass states its loss as a function of each positive pair's logit
    and its anchor's log-sum-exp "denominator", and inherits a dense path, a
    streamed path (`chunk_size`) and cross-replica gathering
    (`gather_across_replicas`):

    ```
    L_ij   = S_ij / τ              (logits(); a distance is negated)
    lse_i  = log Σ_{k ∈ Dᵢ} exp L_ik   Dᵢ = negatives of i ("negatives")
                                       or every reference but i ("others")
    ℓ_ip   = pair_term(L_ip, lse_i)    for each positive p of anchor i
    ```

    reduced over positive pairs either as one mean over all pairs
    (`pair_reduction = "pairs"`, the NT-Xent convention; each anchor returns
    its share, scaled by the batch size) or per anchor
    (`pair_reduction = "anchors"`: the mean over the anchor's positives,
    SupCon's convention). An anchor with an empty `Dᵢ` contributes 0.

    To opt in, subclass this instead of `PairWeightingLoss`, pass
    `chunk_size` and `gather_across_replicas` to `super().__init__`, and
    define `pair_term(logits, lse)` (and `denominator`, `pair_reduction`,
    `logits(mat)` where the defaults do not fit). For example NT-Xent is
    `pair_term = softplus(lse − logits)` with the defaults.

    Args:
        distance: a `kzoo.distances.Distance`. Defaults to
            `kzoo.distances.CosineSimilarity()`.
        miner: a `kzoo.miners.Miner` (dense path only), or `None`. Defaults
            to `None`.
        {{in_batch_args}}
        {{common_args}}
    """

    denominator = "negatives"
    pair_reduction = "pairs"

    def __init__(
        self,
        distance=None,
        miner=None,
        chunk_size=None,
        gather_across_replicas=False,
        **kwargs,
    ):
        super().__init__(distance=distance, miner=miner, **kwargs)
        self.chunk_size = _check_chunk_size(chunk_size)
        if not isinstance(gather_across_replicas, bool):
            raise ValueError(
                "`gather_across_replicas` must be a bool. Received: "
                f"gather_across_replicas={gather_across_replicas!r}"
            )
        self.gather_across_replicas = gather_across_replicas
        if self.chunk_size is not None and miner is not None:
            raise ValueError(
                "`chunk_size` (the streamed path) cannot be combined with a "
                f"`miner`. Received: chunk_size={chunk_size!r}, "
                f"miner={miner!r}"
            )
        if self.denominator not in ("negatives", "others"):
            raise ValueError(
                "`denominator` must be 'negatives' or 'others'. "
                f"Received: denominator={self.denominator!r}"
            )
        if self.pair_reduction not in ("pairs", "anchors"):
            raise ValueError(
                "`pair_reduction` must be 'pairs' or 'anchors'. "
                f"Received: pair_reduction={self.pair_reduction!r}"
            )

    # -- what a subclass defines ---------------------------------------------

    def pair_term(self, logits, lse):
        """Loss of each (anchor, reference) pair, elementwise; only the
        positive pairs are kept. `logits` `[B, M]`, `lse` `[B, 1]`."""
        raise NotImplementedError

    def logits(self, mat):
        """Logits from the distance matrix: `±mat / temperature`."""
        logits = mat if self.distance.is_similarity else -mat
        return logits / getattr(self, "temperature", 1.0)

    # -- shared machinery ----------------------------------------------------

    def _references(self, labels, embeddings):
        if not self.gather_across_replicas:
            return None, None, None
        from kzoo.backend import all_gather

        refs, offset = all_gather(embeddings)
        ref_labels, _ = all_gather(labels)
        return refs, ref_labels, offset

    def call(self, labels, embeddings):
        refs, ref_labels, offset = self._references(labels, embeddings)
        if self.chunk_size is not None:
            return self._streamed(labels, embeddings, refs, ref_labels, offset)
        if refs is None:
            mat = self.distance(embeddings)
            pos_w, neg_w = self.mined_pairs(labels, embeddings, mat)
        else:
            mat = self.distance(embeddings, refs)
            pos, neg = kops.label_masks(labels, ref_labels, offset)
            if self.miner is None:
                pos_w, neg_w = (
                    ops.cast(pos, mat.dtype),
                    ops.cast(neg, mat.dtype),
                )
            else:
                mined = self._miner_output(embeddings, mat, pos, neg)
                if self.miner.output == "triplets":
                    mined = pairs_from_triplets(mined)
                pos_w, neg_w = mined
        return self.pair_loss(mat, pos_w, neg_w)

    def pair_loss(self, mat, pos_weight, neg_weight):
        logits = self.logits(mat)
        if self.denominator == "negatives":
            den = neg_weight
        else:
            den = pos_weight + neg_weight
        lse = kops.masked_logsumexp(logits, den, keepdims=True)
        has_den = ops.any(ops.greater(den, 0), axis=1, keepdims=True)
        pair = ops.where(has_den, self.pair_term(logits, lse), 0.0)
        weights = ops.stop_gradient(pos_weight)
        return self._reduce_pairs(
            ops.sum(weights * pair, axis=1), ops.sum(weights, axis=1)
        )

    def _reduce_pairs(self, pair_sum, pair_count):
        pair_count = ops.stop_gradient(pair_count)
        if self.pair_reduction == "anchors":
            return ops.divide_no_nan(pair_sum, pair_count)
        counts = pair_count
        if self.gather_across_replicas:
            from kzoo.backend import all_gather

            counts, _ = all_gather(pair_count)
        total = ops.sum(counts)
        batch = ops.cast(ops.shape(counts)[0], pair_sum.dtype)
        return ops.divide_no_nan(pair_sum * batch, total)

    def _streamed(self, labels, embeddings, refs, ref_labels, offset):
        from kzoo.ops.streaming import is_empty_logsumexp
        from kzoo.ops.streaming import masked_tile_logsumexp
        from kzoo.ops.streaming import tiled_row_reduce

        dist = self.distance
        norm = dist.normalize_embeddings
        queries = kops.l2_normalize(embeddings) if norm else embeddings
        if refs is None:
            keys, ref_labels, offset = queries, labels, 0
        else:
            keys = kops.l2_normalize(refs) if norm else refs
        n_keys = keys.shape[0]
        if n_keys is None:
            n_keys = ops.shape(keys)[0]
        n_queries = ops.shape(queries)[0]
        query_index = ops.arange(n_queries, dtype="int32") + ops.cast(
            offset, "int32"
        )
        others = self.denominator == "others"

        def masks(row_data, key_data, index):
            q_labels, q_index = row_data
            (k_labels,) = key_data
            valid = ops.less(index, n_keys)[None, :]
            same = ops.equal(q_labels[:, None], k_labels[None, :])
            not_self = ops.not_equal(q_index[:, None], index[None, :])
            pos = ops.logical_and(ops.logical_and(same, not_self), valid)
            if others:
                den = ops.logical_and(not_self, valid)
            else:
                den = ops.logical_and(ops.logical_not(same), valid)
            return pos, den

        def lse_tile(q, k, row_args, row_data, key_data, index):
            logits = self.logits(dist.pairwise(q, k))
            _, den = masks(row_data, key_data, index)
            return masked_tile_logsumexp(logits, den)

        def pair_tile(q, k, row_args, row_data, key_data, index):
            (lse,) = row_args
            logits = self.logits(dist.pairwise(q, k))
            pos, _ = masks(row_data, key_data, index)
            keep = ops.logical_and(
                pos, ops.logical_not(is_empty_logsumexp(lse))
            )
            pair = ops.where(keep, self.pair_term(logits, lse), 0.0)
            count = ops.stop_gradient(ops.sum(ops.cast(pos, pair.dtype), 1))
            return ops.stack([ops.sum(pair, axis=1), count], axis=1)

        row_data = (labels, query_index)
        key_data = (ref_labels,)
        lse = tiled_row_reduce(
            lse_tile,
            queries,
            keys,
            row_data=row_data,
            key_data=key_data,
            chunk_size=self.chunk_size,
            combine="logsumexp",
        )
        sums = tiled_row_reduce(
            pair_tile,
            queries,
            keys,
            row_args=(lse,),
            row_data=row_data,
            key_data=key_data,
            chunk_size=self.chunk_size,
        )
        return self._reduce_pairs(sums[:, 0], sums[:, 1])

    def get_config(self):
        config = super().get_config()
        config["chunk_size"] = self.chunk_size
        config["gather_across_replicas"] = self.gather_across_replicas
        return config
