"""The multi-similarity pair miner (Wang et al., CVPR 2019)."""

from keras import ops

from kzoo import distances as kdistances
from kzoo import ops as kops
from kzoo._validation import check_non_negative
from kzoo.api_export import kzoo_export
from kzoo.miners.miner import Miner


@kzoo_export("kzoo.miners.MultiSimilarityMiner")
class MultiSimilarityMiner(Miner):
    """Keep the informative pairs of each anchor, by relative similarity.

    A negative pair is kept when it is more similar than the anchor's least
    similar positive minus a margin ε; a positive pair is kept when it is less
    similar than the anchor's most similar negative plus ε. An anchor without
    positives keeps no negatives and vice versa. This is the mining step of the
    multi-similarity loss and equals pytorch-metric-learning's
    `MultiSimilarityMiner(epsilon)`.

    Formula (for a similarity `S`; for a distance the inequalities flip):

    ```
    neg'_ij = neg_ij ∧ S_ij + ε > min_{k ∈ P_i} S_ik
    pos'_ij = pos_ij ∧ S_ij − ε < max_{k ∈ N_i} S_ik
    ```

    Args:
        epsilon: the mining margin ε (non-negative). Defaults to `0.1`.
        distance: the distance used for mining. Defaults to
            `kzoo.distances.CosineSimilarity()`.

    Example:

    ```python
    miner = kzoo.miners.MultiSimilarityMiner(epsilon=0.1)
    pos_weight, neg_weight = miner(labels, embeddings)
    ```

    References:
        - [Wang et al., 2019](https://arxiv.org/abs/1904.06627)
    """

    output = "pairs"

    def __init__(self, epsilon=0.1, distance=None):
        self.epsilon = check_non_negative("epsilon", epsilon)
        super().__init__(distance=distance)

    def default_distance(self):
        return kdistances.CosineSimilarity()

    def mine(self, mat, pos_mask, neg_mask):
        pos = ops.cast(pos_mask, "bool")
        neg = ops.cast(neg_mask, "bool")
        eps = self.epsilon
        if self.distance.is_similarity:
            hardest_pos = kops.masked_min(mat, pos, keepdims=True)
            hardest_neg = kops.masked_max(mat, neg, keepdims=True)
            keep_pos = ops.less(mat - eps, hardest_neg)
            keep_neg = ops.greater(mat + eps, hardest_pos)
        else:
            hardest_pos = kops.masked_max(mat, pos, keepdims=True)
            hardest_neg = kops.masked_min(mat, neg, keepdims=True)
            keep_pos = ops.greater(mat + eps, hardest_neg)
            keep_neg = ops.less(mat - eps, hardest_pos)
        pos_w = ops.cast(ops.logical_and(pos, keep_pos), mat.dtype)
        neg_w = ops.cast(ops.logical_and(neg, keep_neg), mat.dtype)
        return ops.stop_gradient(pos_w), ops.stop_gradient(neg_w)

    def get_config(self):
        return {"epsilon": self.epsilon, **super().get_config()}
