"""InfoNCE math shared by the contrastive-learning losses.

Logits from a distance, the InfoNCE pair term, and the default distance of
the family. The row-wise InfoNCE forms on a logit matrix (weighted,
multi-positive) live in `kzoo.ops.infonce`, because layers use them too; the
dense and streamed in-batch kernels live in
`kzoo.losses.in_batch_negative_loss` and `kzoo.ops.streaming`.
"""

from keras import ops

from kzoo import distances as kdistances


def similarity_logits(distance, a, b, temperature):
    """`sim(a_i, b_j) / τ`, `[Na, Nb]`; a distance (not a similarity) is
    negated."""
    mat = distance(a, b)
    mat = mat if distance.is_similarity else -mat
    return mat / temperature


def infonce_pair_term(logits, lse):
    """`−log(e^{L_ip} / (e^{L_ip} + e^{lse_i}))`: the InfoNCE loss of a
    positive pair against the log-sum-exp `lse` of its anchor's negatives
    (`[B, M]` logits, `[B, 1]` lse)."""
    return ops.softplus(lse - logits)


def get_distance(distance):
    """`distance`, or cosine similarity for `None` (the family's default)."""
    return (
        kdistances.CosineSimilarity()
        if distance is None
        else kdistances.get(distance)
    )
