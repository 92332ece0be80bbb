"""MEOW's cluster-weighted InfoNCE and prototypical (ProtoNCE) losses."""

from keras import ops

from kzoo._validation import check_bool
from kzoo.api_export import kzoo_export
from kzoo.losses.base import ClassificationLoss
from kzoo.losses.base import fill_common_args
from kzoo.losses.base import reduce_loss
from kzoo.losses.contrastive._infonce import TemperatureLoss
from kzoo.losses.contrastive._infonce import diagonal
from kzoo.losses.contrastive._infonce import integer_ids
from kzoo.losses.contrastive._infonce import similarity_logits
from kzoo.losses.contrastive._infonce import split_views
from kzoo.losses.contrastive._infonce import weighted_nce


def cluster_negative_weights(cluster_ids):
    """MEOW's weights `w_ij = M − #{m : c_m(i) = c_m(j)}` from `[B, M]` ids.

    A pair that shares no cluster in any of the `M` clusterings weighs `M`
    (a hard negative is one that shares few), the sample with itself 0.
    """
    agree = ops.equal(cluster_ids[:, None, :], cluster_ids[None, :, :])
    agree = ops.sum(ops.cast(agree, "float32"), axis=-1)
    m = ops.cast(ops.shape(cluster_ids)[1], "float32")
    return m - agree


@kzoo_export("kzoo.losses.WeightedInfoNCE")
@fill_common_args
class WeightedInfoNCE(TemperatureLoss):
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
        {{common_args}}

    Example:

    ```python
    loss = kzoo.losses.WeightedInfoNCE(temperature=0.4)
    value = loss(cluster_ids, ops.concatenate([z_coarse, z_fine], axis=1))
    ```

    References:
        - Yu et al., *Heterogeneous graph contrastive learning with
          meta-path contexts and weighted negative samples* (MEOW), SDM 2023;
          code https://github.com/jianxiangyu/MEOW.
    """

    def __init__(
        self,
        temperature=0.5,
        include_positive=False,
        distance=None,
        name="weighted_info_nce",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(
            temperature,
            distance,
            name=name,
            reduction=reduction,
            dtype=dtype,
        )
        self.include_positive = check_bool("include_positive", include_positive)

    def call(self, y_true, y_pred):
        anchor, other = split_views(y_pred, self.dtype)
        ids = integer_ids(y_true, anchor.shape[0], None)
        weights = cluster_negative_weights(ids)
        if self.include_positive:
            eye = ops.eye(ops.shape(weights)[0], dtype=weights.dtype)
            weights = weights * (1.0 - eye) + eye
        logits = similarity_logits(
            self.distance, anchor, other, self.temperature
        )
        pos = diagonal(logits)
        return weighted_nce(logits, pos, ops.stop_gradient(weights))

    def get_config(self):
        config = super().get_config()
        config["include_positive"] = self.include_positive
        return config


@kzoo_export("kzoo.losses.weighted_info_nce")
def weighted_info_nce(y_true, y_pred, temperature=0.5, include_positive=False):
    """Per-node MEOW weighted InfoNCE; the functional form of
    `kzoo.losses.WeightedInfoNCE` (see it for the formula and arguments).

    Returns:
        Tensor `[B]` whose mean is the loss.
    """
    return WeightedInfoNCE(temperature, include_positive, reduction="none")(
        y_true, y_pred
    )


@kzoo_export("kzoo.losses.ProtoNCE")
@fill_common_args
class ProtoNCE(ClassificationLoss):
    """Prototypical contrastive loss (ProtoNCE) over several clusterings.

    Each node is pulled towards the prototype (centroid) of its cluster and
    pushed from the other prototypes, in each of `M` clusterings, with a
    per-prototype concentration φ_k as temperature.

    Formula (z anchor embedding, μ_k normalized centroids, φ_k
    concentrations, c_m(i) the cluster of node i in clustering m, N the
    batch = graph size, K_m the number of clusters):

    ```
    ℓ_i = (1/M) Σ_m [ −z_i·μ_{c_m(i)}/φ_{c_m(i)}
                      + log Σ_{k≤K_m} exp(z_i·μ_k/φ_k)
                      + [official_scaling] · log(N / K_m) ]
    ```

    `official_scaling=True` reproduces MEOW's code, which divides by the mean
    over prototypes times the node count; the constant `log(N/K_m)` leaves
    gradients unchanged. MEOW estimates
    `φ_k = mean_{i∈k} ‖z_i − μ_k‖ / log(|k| + 5)`, clipped to its 10th–90th
    percentiles and rescaled to mean τ; this is left to the caller with the
    clustering.

    Called as `loss(cluster_ids, prototype_logits)`: `cluster_ids` is
    `[B, M]` integer and `prototype_logits` is `[B, K_1 + … + K_M]`, the
    logits `z_i·μ_k/φ_k` of the `M` clusterings side by side.

    Args:
        num_clusters: the numbers of clusters `(K_1, …, K_M)` (positive
            integers) in the order of the logits. A single integer means
            one clustering.
        official_scaling: add `log(N/K_m)` as MEOW's code does. Defaults to
            `True`.
        {{common_args}}

    Example:

    ```python
    logits = ops.concatenate(
        [ops.matmul(z, ops.transpose(mu)) / phi for mu, phi in protos], 1)
    loss = kzoo.losses.ProtoNCE(num_clusters=(100, 300))(ids, logits)
    ```

    References:
        - [Li et al., 2021](https://arxiv.org/abs/2005.04966), Prototypical
          contrastive learning (ProtoNCE).
        - Yu et al., MEOW, SDM 2023; code
          https://github.com/jianxiangyu/MEOW (`module/contrast.py`).
    """

    def __init__(
        self,
        num_clusters,
        official_scaling=True,
        name="proto_nce",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        ks = (num_clusters,) if isinstance(num_clusters, int) else num_clusters
        if (
            not isinstance(ks, (list, tuple))
            or not ks
            or any(
                isinstance(k, bool) or not isinstance(k, int) or k < 1
                for k in ks
            )
        ):
            raise ValueError(
                "`num_clusters` must be a positive integer or a non-empty "
                "list of positive integers. "
                f"Received: num_clusters={num_clusters!r}"
            )
        self.num_clusters = tuple(int(k) for k in ks)
        self.official_scaling = check_bool("official_scaling", official_scaling)

    def __call__(self, y_true, y_pred, sample_weight=None):
        logits = ops.cast(ops.convert_to_tensor(y_pred), self.dtype)
        total = sum(self.num_clusters)
        if len(logits.shape) != 2 or logits.shape[-1] != total:
            raise ValueError(
                "`y_pred` must be prototype logits of shape (batch_size, "
                f"{total}) for num_clusters={self.num_clusters}. "
                f"Received: y_pred.shape={tuple(logits.shape)}"
            )
        ids = integer_ids(y_true, logits.shape[0], len(self.num_clusters))
        n = ops.cast(ops.shape(logits)[0], logits.dtype)
        losses, start = 0.0, 0
        for m, k in enumerate(self.num_clusters):
            block = logits[:, start : start + k]
            start += k
            target = ops.one_hot(ids[:, m], k, dtype=logits.dtype)
            term = ops.logsumexp(block, axis=1) - ops.sum(target * block, 1)
            if self.official_scaling:
                term = term + ops.log(n / float(k))
            losses = losses + term
        losses = losses / float(len(self.num_clusters))
        return reduce_loss(losses, sample_weight, self.reduction)

    def get_config(self):
        config = super().get_config()
        config["num_clusters"] = list(self.num_clusters)
        config["official_scaling"] = self.official_scaling
        return config


@kzoo_export("kzoo.losses.proto_nce")
def proto_nce(y_true, y_pred, num_clusters, official_scaling=True):
    """Per-node ProtoNCE; the functional form of `kzoo.losses.ProtoNCE` (see
    it for the formula and arguments).

    Returns:
        Tensor `[B]` whose mean is the loss.
    """
    return ProtoNCE(num_clusters, official_scaling, reduction="none")(
        y_true, y_pred
    )
