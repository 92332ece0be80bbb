"""Prototypical contrastive loss (ProtoNCE) over several clusterings."""

from keras import ops

from kzoo._validation import check_bool
from kzoo._validation import shape_of
from kzoo.api_export import deprecated_alias
from kzoo.api_export import kzoo_export
from kzoo.losses.inputs import IdsAndPredictions
from kzoo.losses.loss import Loss
from kzoo.losses.twins import functional_twin


@kzoo_export("kzoo.losses.ProtoNCELoss")
class ProtoNCELoss(Loss):
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
        {{loss_args}}

    Example:

    ```python
    logits = ops.concatenate(
        [ops.matmul(z, ops.transpose(mu)) / phi for mu, phi in protos], 1)
    loss = kzoo.losses.ProtoNCELoss(num_clusters=(100, 300))(ids, logits)
    ```

    References:
        - [Li et al., 2021](https://arxiv.org/abs/2005.04966), Prototypical
          contrastive learning (ProtoNCE).
        - Yu et al., MEOW, SDM 2023; code
          https://github.com/jianxiangyu/MEOW (`module/contrast.py`).
    """

    input_kind = IdsAndPredictions(rank=2)

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

    def standardize_inputs(self, y_true, y_pred):
        # The id matrix has one column per clustering and the logits one
        # column per prototype: both widths come from `num_clusters`.
        logits = ops.cast(ops.convert_to_tensor(y_pred), self.dtype)
        total = sum(self.num_clusters)
        if len(logits.shape) != 2 or logits.shape[-1] != total:
            raise ValueError(
                "`y_pred` must be prototype logits of shape (batch_size, "
                f"{total}) for num_clusters={self.num_clusters}. "
                f"Received: y_pred.shape={shape_of(logits)}"
            )
        kind = IdsAndPredictions(columns=len(self.num_clusters), rank=2)
        return kind.standardize(y_true, logits, self.dtype)

    def call(self, ids, logits):
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
        return losses / float(len(self.num_clusters))


proto_nce = kzoo_export("kzoo.losses.proto_nce")(
    functional_twin(ProtoNCELoss, "proto_nce")
)

deprecated_alias(
    "kzoo.losses.ProtoNCE", "kzoo.losses.ProtoNCELoss", ProtoNCELoss
)
