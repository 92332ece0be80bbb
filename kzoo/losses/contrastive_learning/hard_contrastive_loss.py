"""Hardness-aware contrastive loss (Wang & Liu, CVPR 2021)."""

from keras import ops

from kzoo._validation import check_integer
from kzoo._validation import is_number
from kzoo.api_export import kzoo_export
from kzoo.losses.contrastive_learning.ntxent_loss import NTXentLoss
from kzoo.losses.twins import functional_twin
from kzoo.ops.masks import BIG


def hardest_negatives(logits, neg_weight, k=None, alpha=None):
    """Keep, per row, only the `k` (or the `⌈α·|Nᵢ|⌉`) most similar negatives.

    Ranks are taken among each row's negatives with a double `argsort`
    (static shapes, no data-dependent indexing).

    Returns:
        `neg_weight` with the other negatives set to 0.
    """
    valid = ops.greater(neg_weight, 0)
    order = ops.argsort(-ops.where(valid, logits, -BIG), axis=1)
    rank = ops.argsort(order, axis=1)  # 0 = most similar negative
    if k is not None:
        keep = ops.less(rank, k)
    else:
        count = ops.sum(ops.cast(valid, "float32"), axis=1, keepdims=True)
        keep = ops.less(ops.cast(rank, "float32"), ops.ceil(alpha * count))
    return ops.where(ops.logical_and(valid, keep), neg_weight, 0.0)


@kzoo_export("kzoo.losses.HardContrastiveLoss")
class HardContrastiveLoss(NTXentLoss):
    """Hardness-aware contrastive loss: InfoNCE over the hardest negatives.

    Wang & Liu show that the temperature `τ` of the contrastive loss controls
    how strongly it concentrates on hard negatives (the gradient weight of a
    negative is its Boltzmann probability `∝ exp(s_ik/τ)`): small `τ` gives
    uniform embeddings but low tolerance to semantically similar samples.
    Their *hard contrastive loss* makes the selection explicit: only the
    negatives above a per-anchor similarity threshold `s_α⁽ⁱ⁾` (the
    `α`-quantile from the top) stay in the denominator, so a larger `τ` can
    be used while still pushing hard negatives away. With `k=None` and
    `alpha=None` it is exactly `kzoo.losses.NTXentLoss`.

    Formula (cosine similarity `s`, positives `Pᵢ`, negatives `Nᵢ`):

    ```
    Hᵢ = { k ∈ Nᵢ : s_ik among the top_k (or the top ⌈α·|Nᵢ|⌉) of Nᵢ }
    ℓ_ip = −log( exp(s_ip/τ) / (exp(s_ip/τ) + Σ_{k∈Hᵢ} exp(s_ik/τ)) )
    L = (1/|P|) Σ_{(i,p)} ℓ_ip
    ```

    The paper keeps the 4095 hardest of a 16384-sample memory bank
    (α ≈ 0.08 on CIFAR); here the candidates are the in-batch negatives.
    Ties at the threshold are broken by index. Everything else (miner,
    distance, reduction, per-anchor values, cross-replica gathering) is
    `NTXentLoss`'s. With `gather_across_replicas=True` the hardest negatives
    are chosen among the negatives of every replica. The streamed path
    (`chunk_size`) never holds a whole row of negatives, so it cannot rank
    them: it is available only without selection (`k=None`, `alpha=None`),
    and combining it with `k` or `alpha` raises a `ValueError`.

    Args:
        temperature: τ (positive). Defaults to `0.07`.
        k: keep the `k` hardest negatives per anchor (static integer), or
            `None`. Defaults to `None`.
        alpha: keep the hardest fraction `α ∈ (0, 1]` of each anchor's
            negatives, or `None`. Give at most one of `k` and `alpha`.
            Defaults to `None`.
        distance: a `kzoo.distances.Distance`; a distance is negated.
            Defaults to `kzoo.distances.CosineSimilarity()`.
        miner: a `kzoo.miners.Miner`, or `None` for every pair. Defaults to
            `None`.
        {{in_batch_args}}
        {{loss_args}}

    Example:

    ```python
    loss = kzoo.losses.HardContrastiveLoss(temperature=0.3, alpha=0.1)
    model.compile(optimizer="adam", loss=loss)
    ```

    References:
        - [Wang & Liu, 2021](https://arxiv.org/abs/2012.09740), Understanding
          the Behaviour of Contrastive Loss, CVPR 2021.
    """

    def __init__(
        self,
        temperature=0.07,
        k=None,
        alpha=None,
        distance=None,
        miner=None,
        name="hard_contrastive_loss",
        reduction="sum_over_batch_size",
        dtype=None,
        chunk_size=None,
        gather_across_replicas=False,
    ):
        super().__init__(
            temperature=temperature,
            distance=distance,
            miner=miner,
            name=name,
            reduction=reduction,
            dtype=dtype,
            chunk_size=chunk_size,
            gather_across_replicas=gather_across_replicas,
        )
        if k is not None:
            check_integer("k", k)
            if k < 1:
                raise ValueError(f"`k` must be at least 1. Received: k={k}")
        if alpha is not None and (not is_number(alpha) or not 0 < alpha <= 1):
            raise ValueError(
                f"`alpha` must be a number in (0, 1]. Received: alpha={alpha!r}"
            )
        if k is not None and alpha is not None:
            raise ValueError(
                "Give at most one of `k` and `alpha`. "
                f"Received: k={k}, alpha={alpha}"
            )
        if self.chunk_size is not None and (k is not None or alpha is not None):
            raise ValueError(
                "`chunk_size` (the streamed path) cannot rank a row's "
                "negatives: it needs `k=None` and `alpha=None`. Received: "
                f"chunk_size={chunk_size!r}, k={k!r}, alpha={alpha!r}"
            )
        self.k = k
        self.alpha = None if alpha is None else float(alpha)

    def pair_loss(self, mat, pos_weight, neg_weight):
        if self.k is not None or self.alpha is not None:
            logits = mat if self.distance.is_similarity else -mat
            neg_weight = hardest_negatives(
                ops.stop_gradient(logits), neg_weight, self.k, self.alpha
            )
        return super().pair_loss(mat, pos_weight, neg_weight)


hard_contrastive = kzoo_export("kzoo.losses.hard_contrastive")(
    functional_twin(HardContrastiveLoss, "hard_contrastive")
)
