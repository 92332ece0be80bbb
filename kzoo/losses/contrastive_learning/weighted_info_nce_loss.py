"""MEOW's cluster-weighted InfoNCE loss."""

from keras import ops

from kzoo._validation import check_bool
from kzoo._validation import check_positive
from kzoo._validation import views
from kzoo.api_export import deprecated_alias
from kzoo.api_export import kzoo_export
from kzoo.losses.contrastive_learning.infonce_math import get_distance
from kzoo.losses.contrastive_learning.infonce_math import similarity_logits
from kzoo.losses.inputs import IdsAndPredictions
from kzoo.losses.loss import Loss
from kzoo.losses.twins import functional_twin
from kzoo.ops.infonce import diagonal
from kzoo.ops.infonce import weighted_nce


def cluster_negative_weights(cluster_ids):
    """MEOW's weights `w_ij = M − #{m : c_m(i) = c_m(j)}` from `[B, M]` ids.

    A pair that shares no cluster in any of the `M` clusterings weighs `M`
    (a hard negative is one that shares few), the sample with itself 0.
    """
    agree = ops.equal(cluster_ids[:, None, :], cluster_ids[None, :, :])
    agree = ops.sum(ops.cast(agree, "float32"), axis=-1)
    m = ops.cast(ops.shape(cluster_ids)[1], "float32")
    return m - agree


@kzoo_export("kzoo.losses.WeightedInfoNCELoss")
class WeightedInfoNCELoss(Loss):
    """MEOW's InfoNCE with cluster-derived weights on the negatives.

    Between two views of the same nodes (MEOW: the coarse view is the anchor
    and the fine, meta-path-context view the other), each negative is
    weighted by how many of `M` clusterings (k-means with different numbers
    of clusters, run on the detached other view) put it in a different
    cluster than the anchor: a negative that often shares the anchor's
    cluster is probably a false negative and weighs less.

    Formula (S similarity, τ temperature, a anchor view, o other view):

    ```
    w_ij = M − #{m : c_m(i) = c_m(j)}                        (w_ii = 0)
    ℓ_i = −S(a_i, o_i)/τ + log Σ_j w_ij · exp(S(a_i, o_j)/τ)
    ```

    With `include_positive=True` the positive also joins the denominator
    with weight 1; with `M = 1` and every node in its own cluster this is
    then exactly InfoNCE (the cross-entropy of `S(a_i, o_·)/τ` at `i`). A row
    whose weights are all 0 contributes 0.

    Called as `loss(cluster_ids, views)`: `cluster_ids` is `[B, M]` integer
    (column m = the cluster of each node in clustering m), and `views` is
    `[B, 2D]`, the anchor and other view side by side. The clusterings come
    from outside the graph (MEOW re-runs k-means on every forward; a
    callback or the input pipeline can compute them with scikit-learn).

    Args:
        temperature: τ (positive). Defaults to `0.5` (MEOW: 0.4 on ACM, 0.9
            on DBLP, AMiner and IMDB).
        include_positive: add the positive to the denominator. Defaults to
            `False` (MEOW's official code).
        distance: a `kzoo.distances.Distance`. Defaults to
            `kzoo.distances.CosineSimilarity()` (MEOW normalizes both views
            and takes dot products).
        {{loss_args}}

    Example:

    ```python
    loss = kzoo.losses.WeightedInfoNCELoss(temperature=0.4)
    value = loss(cluster_ids, ops.concatenate([z_coarse, z_fine], axis=1))
    ```

    References:
        - Yu et al., *Heterogeneous graph contrastive learning with
          meta-path contexts and weighted negative samples* (MEOW), SDM 2023;
          code https://github.com/jianxiangyu/MEOW.
    """

    input_kind = IdsAndPredictions(what="embeddings of shape (batch_size, dim)")

    def __init__(
        self,
        temperature=0.5,
        include_positive=False,
        distance=None,
        name="weighted_info_nce",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.temperature = check_positive("temperature", temperature)
        self.distance = get_distance(distance)
        self.include_positive = check_bool("include_positive", include_positive)

    def standardize_inputs(self, y_true, y_pred):
        ids, x = super().standardize_inputs(y_true, y_pred)
        views(x, 2)
        return ids, x

    def call(self, ids, y_pred):
        anchor, other = views(y_pred, 2)
        weights = cluster_negative_weights(ids)
        if self.include_positive:
            eye = ops.eye(ops.shape(weights)[0], dtype=weights.dtype)
            weights = weights * (1.0 - eye) + eye
        logits = similarity_logits(
            self.distance, anchor, other, self.temperature
        )
        pos = diagonal(logits)
        return weighted_nce(logits, pos, ops.stop_gradient(weights))


weighted_info_nce = kzoo_export("kzoo.losses.weighted_info_nce")(
    functional_twin(WeightedInfoNCELoss, "weighted_info_nce")
)

deprecated_alias(
    "kzoo.losses.WeightedInfoNCE",
    "kzoo.losses.WeightedInfoNCELoss",
    WeightedInfoNCELoss,
)
