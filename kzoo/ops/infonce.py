"""InfoNCE forms on a logit matrix: weighted and multi-positive.

Shared by the contrastive losses (`kzoo.losses`) and the contrastive layers
(`kzoo.layers.AdaptiveWeightedInfoNCE`): row-wise, on a `[B, M]` logit
matrix, with masked log-sum-exps so that empty rows stay finite.
"""

from keras import ops

from kzoo.api_export import kzoo_export
from kzoo.ops.reductions import masked_logsumexp


@kzoo_export("kzoo.ops.diagonal")
def diagonal(mat):
    """The diagonal of a square matrix, computed as a masked row sum.

    Same values as `keras.ops.diagonal(mat)`; written as a masked sum
    because torch's inductor lowers `ops.diagonal` with a deprecation
    warning.

    Args:
        mat: a square float tensor `[N, N]`.

    Returns:
        Tensor `[N]`.
    """
    n = ops.shape(mat)[0]
    return ops.sum(mat * ops.eye(n, dtype=mat.dtype), axis=1)


@kzoo_export("kzoo.ops.weighted_nce")
def weighted_nce(logits, pos_logit, weights):
    """InfoNCE with a weighted denominator, per row.

    Formula:

    ```
    ℓ_i = −pos_i + log Σ_j w_ij exp(logits_ij)     (0 when w_i· = 0)
    ```

    With `w_ij = 1` for every `j` (positive included) and `pos_i` the
    diagonal logit this is the cross-entropy of row `i` at `i`.

    Args:
        logits: float `[B, M]`.
        pos_logit: float `[B]`, the positive's logit of each row.
        weights: non-negative float `[B, M]`; 0 leaves an entry out.

    Returns:
        Tensor `[B]`.
    """
    lse = masked_logsumexp(logits, weights)
    has = ops.any(ops.greater(weights, 0), axis=1)
    return ops.where(has, lse - pos_logit, 0.0)


@kzoo_export("kzoo.ops.multi_positive_nce")
def multi_positive_nce(logits, pos_mask, valid=None):
    """Multi-positive InfoNCE per row: the probabilities of all positives
    summed inside the log.

    Formula:

    ```
    ℓ_i = −log Σ_{j ∈ P_i} softmax_{k ∈ V_i}(logits_i·)_j
        = log Σ_{k∈V_i} exp(logits_ik) − log Σ_{j∈P_i} exp(logits_ij)
    ```

    A row without positives gives 0.

    Args:
        logits: float `[B, M]`.
        pos_mask: boolean or non-negative float `[B, M]`, the positives
            `P_i`.
        valid: boolean or non-negative float `[B, M]` restricting the
            softmax denominator `V_i`, or `None` for every entry. Defaults
            to `None`.

    Returns:
        Tensor `[B]`.
    """
    if valid is None:
        valid = ops.ones_like(logits)
    total = masked_logsumexp(logits, valid)
    pos = masked_logsumexp(logits, pos_mask)
    has_pos = ops.any(ops.greater(ops.cast(pos_mask, logits.dtype), 0), 1)
    return ops.where(has_pos, total - pos, 0.0)
