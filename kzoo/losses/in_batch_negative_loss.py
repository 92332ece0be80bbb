"""`kzoo.losses.InBatchNegativeLoss`: softmax losses over in-batch
negatives, with a dense path, a streamed path and cross-replica gathering."""

from keras import ops

from kzoo import ops as kops
from kzoo._docstrings import register_snippet
from kzoo._validation import check_bool
from kzoo.api_export import kzoo_export
from kzoo.backend import all_gather
from kzoo.losses.pair_weighting_loss import PairWeightingLoss
from kzoo.miners import pairs_from_triplets
from kzoo.ops.streaming import streamed_in_batch_sums

register_snippet(
    "in_batch_args",
    """chunk_size: `None` for the dense path, or the number of
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
            this changes nothing. Defaults to `False`.""",
)


def check_chunk_size(chunk_size):
    if chunk_size is None:
        return None
    if (
        isinstance(chunk_size, bool)
        or not isinstance(chunk_size, int)
        or chunk_size <= 0
    ):
        raise ValueError(
            "`chunk_size` must be a positive integer or None. "
            f"Received: chunk_size={chunk_size!r}"
        )
    return chunk_size


@kzoo_export("kzoo.losses.InBatchNegativeLoss")
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

    To opt in, subclass this, pass `chunk_size` and
    `gather_across_replicas` to `super().__init__`, and define
    `pair_term(logits, lse)` (and `denominator`, `pair_reduction`,
    `logits(mat)` where the defaults do not fit). For example NT-Xent is
    `pair_term = softplus(lse − logits)` with the defaults.

    Args:
        distance: a `kzoo.distances.Distance`. Defaults to
            `kzoo.distances.CosineSimilarity()`.
        miner: a `kzoo.miners.Miner` (dense path only), or `None`. Defaults
            to `None`.
        {{in_batch_args}}
        {{loss_args}}
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
        self.chunk_size = check_chunk_size(chunk_size)
        self.gather_across_replicas = check_bool(
            "gather_across_replicas", gather_across_replicas
        )
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
        raise NotImplementedError(
            f"{type(self).__name__} must implement `pair_term`."
        )

    def logits(self, mat):
        """Logits from the distance matrix: `±mat / temperature`."""
        logits = mat if self.distance.is_similarity else -mat
        return logits / getattr(self, "temperature", 1.0)

    # -- shared machinery ----------------------------------------------------

    def _references(self, labels, embeddings):
        if not self.gather_across_replicas:
            return None, None, None
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
                pos_w = ops.cast(pos, mat.dtype)
                neg_w = ops.cast(neg, mat.dtype)
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
            counts, _ = all_gather(pair_count)
        total = ops.sum(counts)
        batch = ops.cast(ops.shape(counts)[0], pair_sum.dtype)
        return ops.divide_no_nan(pair_sum * batch, total)

    def _streamed(self, labels, embeddings, refs, ref_labels, offset):
        dist = self.distance
        norm = dist.normalize_embeddings
        queries = kops.l2_normalize(embeddings) if norm else embeddings
        if refs is None:
            keys, ref_labels, offset = queries, labels, 0
        else:
            keys = kops.l2_normalize(refs) if norm else refs
        sums = streamed_in_batch_sums(
            queries,
            keys,
            labels,
            ref_labels,
            offset,
            logits_fn=lambda q, k: self.logits(dist.pairwise(q, k)),
            pair_term_fn=self.pair_term,
            denominator=self.denominator,
            chunk_size=self.chunk_size,
        )
        return self._reduce_pairs(sums[:, 0], sums[:, 1])
