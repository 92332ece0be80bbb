"""Proto-Triplet loss for few-shot episodes (Mendez-Ruiz et al., 2023)."""

from keras import ops

from kzoo._validation import check_non_negative
from kzoo.api_export import kzoo_export
from kzoo.losses.inputs import LabelsAndEmbeddings
from kzoo.losses.loss import Loss
from kzoo.losses.metric_learning.episodes import check_episode
from kzoo.losses.metric_learning.episodes import episode_distance
from kzoo.losses.metric_learning.episodes import episode_inputs
from kzoo.losses.metric_learning.episodes import prototypes
from kzoo.losses.twins import functional_twin

_BIG = 1e30


@kzoo_export("kzoo.losses.ProtoTripletLoss")
class ProtoTripletLoss(Loss):
    """Proto-Triplet loss: a triplet margin on class prototypes.

    Each query is pulled towards the prototype (mean support embedding) of
    its class and pushed from the nearest other prototype by a margin.

    {{episode_layout}} Per-sample values are 0 for supports and
    `B/Q·ℓ_q` for queries, so the default mean over the batch is the mean
    over queries (the official reduction) and `sample_weight` weights queries.

    Formula (official code, maumruiz/FSL-Loss @ 249405f,
    `algorithms/icnn_loss.py::proto_triplet_loss`):

    ```
    c_k = mean{ x_s : y_s = k },   d(a, b) = sqrt(‖a − b‖² + 1e-6)
    ℓ_q = max(d(q, c_{y_q}) − min_{k ≠ y_q} d(q, c_k) + m, 0)
    L = mean_q ℓ_q
    ```

    Args:
        way: classes per episode (≥ 2).
        shot: support examples per class.
        query: query examples per class.
        margin: m. Defaults to `0.5`.
        {{loss_args}}

    Example:

    ```python
    loss = kzoo.losses.ProtoTripletLoss(way=5, shot=1, query=15)
    value = loss(episode_labels, model(episode_images))
    ```

    References:
        - [Mendez-Ruiz et al., 2023](https://arxiv.org/abs/2305.09062),
          SuSana Distancia is all you need: Enforcing class separability in
          metric learning via two novel distance-based loss functions for
          few-shot image classification.
    """

    input_kind = LabelsAndEmbeddings()

    def __init__(
        self,
        way,
        shot,
        query,
        margin=0.5,
        name="proto_triplet_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.way, self.shot, self.query = check_episode(way, shot, query)
        self.margin = check_non_negative("margin", margin)

    def standardize_inputs(self, y_true, y_pred):
        return episode_inputs(
            y_true, y_pred, self.dtype, self.way, self.shot, self.query
        )

    def call(self, labels, embeddings):
        ns = self.way * self.shot
        protos = prototypes(embeddings[:ns], labels[:ns], self.way)
        queries, q_labels = embeddings[ns:], labels[ns:]
        d = episode_distance(queries, protos)
        own = ops.one_hot(q_labels, self.way, dtype=d.dtype)
        pos = ops.sum(own * d, axis=1)
        neg = ops.min(ops.where(own > 0, _BIG, d), axis=1)
        per_query = ops.relu(pos - neg + self.margin)
        total = self.way * (self.shot + self.query)
        scale = total / (self.way * self.query)
        return ops.concatenate(
            [ops.zeros((ns,), per_query.dtype), per_query * scale]
        )


proto_triplet = kzoo_export("kzoo.losses.proto_triplet")(
    functional_twin(ProtoTripletLoss, "proto_triplet")
)
