"""Multi-similarity loss (Wang et al., CVPR 2019)."""

from keras import ops

from kzoo import ops as kops
from kzoo._validation import check_bool
from kzoo._validation import check_number
from kzoo._validation import check_positive
from kzoo._validation import is_number
from kzoo.api_export import kzoo_export
from kzoo.backend.autodiff import custom_vjp
from kzoo.distances import CosineSimilarity
from kzoo.losses.pair_weighting_loss import PairWeightingLoss
from kzoo.losses.twins import functional_twin
from kzoo.miners import MultiSimilarityMiner

# The authors' code drops positives this similar to the anchor (self and exact
# duplicates) instead of excluding the diagonal by index.
_OFFICIAL_DUPLICATE_THRESHOLD = 1.0 - 1e-5


def _validate(alpha, beta, base, epsilon, distance, official):
    check_positive("alpha", alpha)
    check_positive("beta", beta)
    check_number("base", base)
    if epsilon is not None and (not is_number(epsilon) or epsilon < 0):
        raise ValueError(
            "`epsilon` must be a non-negative number, or None to turn mining "
            f"off. Received: epsilon={epsilon!r}"
        )
    check_bool("official", official)
    if official and not distance.is_similarity:
        raise ValueError(
            "`official=True` reproduces the authors' cosine-similarity "
            f"code and needs a similarity. Received: distance={distance!r}"
        )


def _ms_per_anchor(labels, mat, distance, alpha, beta, base, epsilon, official):
    pos, neg = kops.label_masks(labels)
    if official:
        pos = ops.logical_and(pos, ops.less(mat, _OFFICIAL_DUPLICATE_THRESHOLD))
    if epsilon is None:
        pos_w, neg_w = ops.cast(pos, mat.dtype), ops.cast(neg, mat.dtype)
    else:
        miner = MultiSimilarityMiner(epsilon, distance=distance)
        pos_w, neg_w = miner.mine(mat, pos, neg)
    if _fusable(distance, alpha, beta, base):
        losses = _fused_terms(alpha, beta, base)(mat, pos_w, neg_w)
    else:
        losses = _generic_terms(mat, pos_w, neg_w, distance, alpha, beta, base)
    if official:
        complete = ops.logical_and(
            ops.any(ops.greater(pos_w, 0), axis=1),
            ops.any(ops.greater(neg_w, 0), axis=1),
        )
        losses = ops.where(complete, losses, 0.0)
    return losses


def _generic_terms(mat, pos_w, neg_w, distance, alpha, beta, base):
    pos_term = (
        kops.masked_logsumexp(
            alpha * distance.margin(mat, base), pos_w, add_one=True
        )
        / alpha
    )
    neg_term = (
        kops.masked_logsumexp(
            beta * distance.margin(base, mat), neg_w, add_one=True
        )
        / beta
    )
    return pos_term + neg_term


# Largest exponent the fused path may meet. With cosine similarity S in
# [-1, 1], -α(S - λ) ≤ α(1 + λ) and β(S - λ) ≤ β(1 - λ); a sum of even 10⁶
# terms of e⁶⁰ stays far below float32's maximum (3.4e38). Terms that
# underflow to 0 (exponents below about -100) weigh less than 1e-38.
_FUSED_EXPONENT_LIMIT = 60.0


def _fusable(distance, alpha, beta, base):
    return (
        type(distance) is CosineSimilarity
        and alpha * (1.0 + base) <= _FUSED_EXPONENT_LIMIT
        and beta * (1.0 - base) <= _FUSED_EXPONENT_LIMIT
    )


_FUSED = {}


def _fused_terms(alpha, beta, base):
    """The two soft-weighting terms with their closed-form gradient.

    With bounded exponents no maximum needs factoring out, so the forward is
    two exponentials and two row sums, and the backward reuses them:

    ```
    Pᵢⱼ = wᵖᵢⱼ exp(−α(Sᵢⱼ − λ)),   Nᵢⱼ = wⁿᵢⱼ exp(β(Sᵢⱼ − λ))
    Lᵢ = log(1 + Σⱼ Pᵢⱼ)/α + log(1 + Σⱼ Nᵢⱼ)/β
    ∂Lᵢ/∂Sᵢⱼ = Nᵢⱼ/(1 + Σₖ Nᵢₖ) − Pᵢⱼ/(1 + Σₖ Pᵢₖ)
    ```

    Autodiff of the generic masked log-sum-exp spends several more passes
    over the B×B matrix (maximum, masks, shifted copies), which dominates on
    eager backends.
    """
    key = (alpha, beta, base)
    if key not in _FUSED:

        def forward(mat, pos_w, neg_w):
            shifted = mat - base
            p = ops.exp(shifted * -alpha) * pos_w
            n = ops.exp(shifted * beta) * neg_w
            sum_p = ops.sum(p, axis=1)
            sum_n = ops.sum(n, axis=1)
            out = ops.log1p(sum_p) / alpha + ops.log1p(sum_n) / beta
            return out, (p, n, sum_p, sum_n)

        def backward(res, upstream):
            p, n, sum_p, sum_n = res
            grad = (
                n * (upstream / (1.0 + sum_n))[:, None]
                - p * (upstream / (1.0 + sum_p))[:, None]
            )
            return grad, None, None

        _FUSED[key] = custom_vjp(forward, backward)
    return _FUSED[key]


@kzoo_export("kzoo.losses.MultiSimilarityLoss")
class MultiSimilarityLoss(PairWeightingLoss):
    """Multi-similarity loss with its pair mining built in.

    Each anchor's positives are pulled above the similarity offset λ and its
    negatives pushed below it, with soft weights from self-similarity (α, β)
    and relative similarity; the mining step first keeps only the informative
    pairs (`kzoo.miners.MultiSimilarityMiner(epsilon)`). The loss of each
    anchor is returned; the default reduction averages over the whole batch
    (anchors with nothing mined count as 0), as the paper and its code do.

    Formula (cosine similarity S, mined sets P'ᵢ, N'ᵢ):

    ```
    N'ᵢ = { j ∈ Nᵢ : S_ij + ε > min_{k∈Pᵢ} S_ik }
    P'ᵢ = { j ∈ Pᵢ : S_ij − ε < max_{k∈Nᵢ} S_ik }
    Lᵢ = 1/α · log(1 + Σ_{j∈P'ᵢ} exp(−α (S_ij − λ)))
       + 1/β · log(1 + Σ_{j∈N'ᵢ} exp( β (S_ij − λ)))
    L  = (1/B) Σᵢ Lᵢ
    ```

    By default (`official=False`) the loss equals pytorch-metric-learning's
    `MultiSimilarityLoss(alpha, beta, base)` applied with
    `MultiSimilarityMiner(epsilon)`, value and gradient, anchors without
    positives included. Two places where implementations differ, both
    documented:

    - `official=True` follows the authors' code (MalongTech/research-ms-loss):
      a positive with `S ≥ 1 − 1e-5` (an exact duplicate of the anchor's
      direction) is discarded, and an anchor whose mined positive or negative
      set is empty contributes 0. For ε ≥ 0 an anchor's two mined sets are
      empty together, so the second rule changes nothing and the variants
      differ only on duplicate positives.
    - pytorch-metric-learning returns 0 for the whole batch when its miner
      keeps at most one positive and one negative pair (`GenericPairLoss`
      tests `len(x) <= 1`); kzoo computes the loss of the pairs that were kept.

    The authors' configuration uses β = 40; the paper and
    pytorch-metric-learning use β = 50, the default here.

    Args:
        alpha: scale α of the positive term (positive). Defaults to `2.0`.
        beta: scale β of the negative term (positive). Defaults to `50.0`.
        base: the similarity offset λ. Defaults to `0.5`.
        epsilon: the mining margin ε (non-negative), or `None` to use every
            pair. Defaults to `0.1`.
        distance: the similarity, a `kzoo.distances.Distance` (distances work
            too: the margins flip). Defaults to
            `kzoo.distances.CosineSimilarity()`.
        official: reproduce the authors' code (see above). Defaults to
            `False`.
        {{loss_args}}

    Example:

    ```python
    model.compile(optimizer="adam", loss=kzoo.losses.MultiSimilarityLoss())
    model.fit(images, integer_labels)  # the model outputs embeddings
    ```

    References:
        - [Wang et al., 2019](https://arxiv.org/abs/1904.06627),
          Multi-Similarity Loss with General Pair Weighting for Deep Metric
          Learning.
    """

    def __init__(
        self,
        alpha=2.0,
        beta=50.0,
        base=0.5,
        epsilon=0.1,
        distance=None,
        official=False,
        name="multi_similarity_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(
            distance=distance, name=name, reduction=reduction, dtype=dtype
        )
        _validate(alpha, beta, base, epsilon, self.distance, official)
        self.alpha = float(alpha)
        self.beta = float(beta)
        self.base = float(base)
        self.epsilon = None if epsilon is None else float(epsilon)
        self.official = official

    def call(self, labels, embeddings):
        mat = self.distance(embeddings)
        return _ms_per_anchor(
            labels,
            mat,
            self.distance,
            self.alpha,
            self.beta,
            self.base,
            self.epsilon,
            self.official,
        )


multi_similarity = kzoo_export("kzoo.losses.multi_similarity")(
    functional_twin(MultiSimilarityLoss, "multi_similarity")
)
