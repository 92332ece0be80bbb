"""GroCo: group ordering constraints with a differentiable sorting network."""

from keras import ops

from kzoo._validation import check_bool
from kzoo._validation import check_integer
from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.losses.pair_weighting_loss import PairWeightingLoss
from kzoo.losses.twins import functional_twin
from kzoo.ops.masks import BIG
from kzoo.ops.sorting import DISTRIBUTIONS
from kzoo.ops.sorting import NETWORKS
from kzoo.ops.sorting import diffsort

# torch.nn.BCELoss clamps its logarithms at -100; GroCo's official code uses it.
_LOG_CLAMP = -100.0


def _bce(p, target):
    log_p = ops.maximum(ops.log(p), _LOG_CLAMP)
    log_q = ops.maximum(ops.log(1.0 - p), _LOG_CLAMP)
    return -(target * log_p + (1.0 - target) * log_q)


def groco_sort_loss(
    candidates,
    num_negatives,
    steepness=1.0,
    network="odd_even",
    distribution="cauchy",
):
    """GroCo loss of pre-ordered candidate similarities, one row per anchor.

    `candidates[..., :K]` are the negatives' similarities, `[..., K:]` the
    positives'. The relaxed permutation `P` of a differentiable sort gives
    each candidate's probability of landing among the top `n − K` ranks; the
    loss is the binary cross-entropy of those probabilities (and of the
    complementary bottom-`K` ones) against the group membership.

    Returns:
        Tensor `[...]`, the loss per row.
    """
    k = num_negatives
    _, perm = diffsort(
        candidates, network, steepness=steepness, distribution=distribution
    )
    # perm[..., rank, element]; probability of each element ending up on top.
    p_top = ops.clip(ops.sum(perm[..., k:, :], axis=-2), 0.0, 1.0)
    p_bottom = ops.clip(ops.sum(perm[..., :k, :], axis=-2), 0.0, 1.0)
    n = candidates.shape[-1]
    target = ops.convert_to_tensor(
        [0.0] * k + [1.0] * (n - k), dtype=candidates.dtype
    )
    top = ops.mean(_bce(p_top, target), axis=-1)
    bottom = ops.mean(_bce(p_bottom, 1.0 - target), axis=-1)
    return 0.5 * (top + bottom)


@kzoo_export("kzoo.losses.GroCoLoss")
class GroCoLoss(PairWeightingLoss):
    """Group ordering constraints (GroCo): positives must sort above negatives.

    For each anchor the `topk_neg` most similar negatives and `num_positives`
    positives (the least similar ones when there are more) are placed in a
    fixed order (negatives ascending, then positives ascending) and sorted
    with a differentiable sorting network. The loss asks each positive to
    land in the top `num_positives` ranks and each negative in the bottom
    `topk_neg` ones, through the relaxed permutation matrix — a group
    ordering, not a per-pair margin or a softmax.

    Formula (similarities `s`, `K = topk_neg`, `m = num_positives`,
    `n = K + m`):

    ```
    x_i = [ K hardest negatives, ascending ‖ m positives, ascending ]
    P_i = diffsort(x_i)                       (P[r, c]: input c at rank r)
    p⁺_ic = clip(Σ_{r ≥ K} P_i[r, c], 0, 1),  p⁻_ic = clip(Σ_{r < K} P_i[r, c])
    t_c = [c ≥ K]
    ℓ_i = ½ ( mean_c BCE(p⁺_ic, t_c) + mean_c BCE(p⁻_ic, 1 − t_c) )
    L = mean over anchors with ≥ K negatives and ≥ m positives
    ```

    BCE clamps its logarithms at −100 as `torch.nn.BCELoss` does. With
    `stop_gradient=True` (the official code) the candidates' embeddings are
    constants and only the anchor receives gradient; as every row of the
    batch is an anchor, both directions are still trained.

    Layout: the in-batch convention of `kzoo.losses.NTXentLoss` — one row per
    view, views of an image share a label. The official code instead takes
    each view as an anchor in turn and draws negatives only from the *same*
    view; here negatives come from all rows with another label (both views),
    which is the same construction on the concatenated batch. There is no
    temperature: scaling the similarities is the same as scaling
    `steepness`. Anchors lacking `topk_neg` negatives or `num_positives`
    positives contribute 0 and are left out of the mean.

    Args:
        topk_neg: `K`, the number of hardest negatives per anchor (static).
            Defaults to `10`.
        num_positives: `m`, positives per anchor (static; `V − 1` for `V`
            views). Defaults to `1`.
        steepness: the sorting relaxation's steepness. Defaults to `1.0`.
        network: `"odd_even"` or `"bitonic"`. Defaults to `"odd_even"`.
        distribution: the relaxation (see `kzoo.ops.diffsort`). Defaults to
            `"cauchy"`.
        stop_gradient: treat positives and negatives as constants. Defaults
            to `True`.
        distance: a `kzoo.distances.Distance`; a distance is negated.
            Defaults to `kzoo.distances.CosineSimilarity()`.
        miner: a `kzoo.miners.Miner` restricting the candidate pairs, or
            `None`. Defaults to `None`.
        {{loss_args}}

    Example:

    ```python
    # views: [2N, ...] two augmentations per image; ids: [2N] image ids
    model.compile(optimizer="adam",
                  loss=kzoo.losses.GroCoLoss(topk_neg=10))
    model.fit(views, ids)
    ```

    References:
        - [Shvetsova et al., 2023](https://openaccess.thecvf.com/content/
          ICCV2023/html/Shvetsova_Learning_by_Sorting_Self-supervised_
          Learning_with_Group_Ordering_Constraints_ICCV_2023_paper.html),
          Learning by Sorting: Self-supervised Learning with Group Ordering
          Constraints, ICCV 2023.
        - [Petersen et al., 2022](https://arxiv.org/abs/2203.09630),
          Monotonic Differentiable Sorting Networks.
    """

    def __init__(
        self,
        topk_neg=10,
        num_positives=1,
        steepness=1.0,
        network="odd_even",
        distribution="cauchy",
        stop_gradient=True,
        distance=None,
        miner=None,
        name="groco_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(
            distance=distance,
            miner=miner,
            name=name,
            reduction=reduction,
            dtype=dtype,
        )
        self.topk_neg = check_integer("topk_neg", topk_neg)
        if topk_neg < 1:
            raise ValueError(
                f"`topk_neg` must be at least 1. Received: topk_neg={topk_neg}"
            )
        self.num_positives = check_integer("num_positives", num_positives)
        if num_positives < 1:
            raise ValueError(
                "`num_positives` must be at least 1. "
                f"Received: num_positives={num_positives}"
            )
        self.steepness = check_positive("steepness", steepness)
        if network not in NETWORKS:
            raise ValueError(
                "Invalid value for argument `network`. Expected one of "
                f"{NETWORKS}. Received: network={network!r}"
            )
        if distribution not in DISTRIBUTIONS:
            raise ValueError(
                "Invalid value for argument `distribution`. Expected one of "
                f"{DISTRIBUTIONS}. Received: distribution={distribution!r}"
            )
        self.network = network
        self.distribution = distribution
        self.stop_gradient = check_bool("stop_gradient", stop_gradient)

    def call(self, labels, embeddings):
        keys = embeddings
        if self.stop_gradient:
            keys = ops.stop_gradient(embeddings)
        mat = self.distance(embeddings, keys)
        pos_weight, neg_weight = self.mined_pairs(labels, embeddings, mat)
        return self.pair_loss(mat, pos_weight, neg_weight)

    def _top(self, values, valid, k, batch):
        kk = min(k, batch)
        top, _ = ops.top_k(ops.where(valid, values, -BIG), kk)
        if kk < k:
            pad = ops.zeros_like(top[:, :1]) - BIG
            top = ops.concatenate([top] + [pad] * (k - kk), axis=1)
        count = ops.sum(ops.cast(valid, "int32"), axis=1)
        return top, ops.greater_equal(count, k)

    def pair_loss(self, mat, pos_weight, neg_weight):
        sims = mat if self.distance.is_similarity else -mat
        batch = sims.shape[0]
        k, m = self.topk_neg, self.num_positives
        neg_top, enough_neg = self._top(
            sims, ops.greater(neg_weight, 0), k, batch
        )
        pos_low, enough_pos = self._top(
            -sims, ops.greater(pos_weight, 0), m, batch
        )
        valid = ops.logical_and(enough_neg, enough_pos)
        # Negatives ascending (top_k is descending), positives ascending.
        candidates = ops.concatenate([ops.flip(neg_top, axis=1), -pos_low], 1)
        candidates = ops.where(valid[:, None], candidates, 0.0)
        per_anchor = groco_sort_loss(
            candidates, k, self.steepness, self.network, self.distribution
        )
        valid = ops.cast(valid, per_anchor.dtype)
        count = ops.sum(valid)
        size = ops.cast(ops.shape(per_anchor)[0], per_anchor.dtype)
        return ops.divide_no_nan(per_anchor * valid * size, count)


groco = kzoo_export("kzoo.losses.groco")(functional_twin(GroCoLoss, "groco"))
