"""LVM-Med's second-order graph-matching loss, Sinkhorn relaxation."""

from keras import ops

from kzoo._validation import check_integer
from kzoo._validation import check_non_negative
from kzoo._validation import check_positive
from kzoo._validation import views
from kzoo.api_export import kzoo_export
from kzoo.losses.contrastive_learning.infonce_math import get_distance
from kzoo.losses.contrastive_learning.infonce_math import similarity_logits
from kzoo.losses.inputs import PredictionsOnly
from kzoo.losses.loss import Loss
from kzoo.losses.twins import functional_twin
from kzoo.ops.infonce import diagonal


def knn_graph(embeddings, k, distance):
    """Row-normalized k-nearest-neighbour adjacency `[N, N]` (self
    excluded), without gradient: `A_ij = 1/k` for the k most similar j."""
    sim = distance(embeddings)
    sim = sim if distance.is_similarity else -sim
    n = ops.shape(sim)[0]
    sim = ops.where(ops.eye(n, dtype="bool"), -1e30, sim)
    _, idx = ops.top_k(ops.stop_gradient(sim), k=k)
    adj = ops.sum(ops.one_hot(idx, n, dtype=embeddings.dtype), axis=1)
    return ops.stop_gradient(adj / float(k))


def log_sinkhorn(log_p, iterations):
    """`iterations` rounds of row then column normalization in log space,
    then a final row normalization (so 0 rounds is a row softmax)."""
    for _ in range(iterations):
        log_p = log_p - ops.logsumexp(log_p, axis=1, keepdims=True)
        log_p = log_p - ops.logsumexp(log_p, axis=0, keepdims=True)
    return log_p - ops.logsumexp(log_p, axis=1, keepdims=True)


@kzoo_export("kzoo.losses.GraphMatchingLoss")
class GraphMatchingLoss(Loss):
    """LVM-Med's graph-matching self-supervision, as a Sinkhorn relaxation.

    The N samples of a batch, seen under two augmentations s and t, form two
    graphs (k-nearest-neighbour graphs in each view's embedding space). The
    correct matching between the graphs is the identity permutation. LVM-Med
    scores a matching by first-order (vertex) affinities plus second-order
    (edge) affinities and trains through a combinatorial solver. Here the
    quadratic term is approximated by neighbour-propagated affinities, and
    the solver by Sinkhorn normalization of the affinities; the loss is the
    cross-entropy of the resulting doubly-stochastic matrix with the identity
    permutation (as in PCA-GM).

    Formula (S similarity, τ temperature, γ `structure_weight`, A^s, A^t
    row-normalized kNN adjacencies, T `sinkhorn_iterations`):

    ```
    C = S(z^s, z^t)                    C_struct = A^s C (A^t)ᵀ
    log P = Sinkhorn_T( (C + γ·C_struct) / τ )
    ℓ_i = −log P_ii
    ```

    Sinkhorn runs T rounds of row and column normalization in log space and
    ends with a row normalization, so with `T = 0` and `γ = 0` the loss is
    exactly InfoNCE from view s to view t. As `τ → 0` (with enough rounds) P
    tends to the permutation matrix that maximizes the total affinity, i.e.
    the linear-assignment (Hungarian) solution, so the loss approaches the
    Hamming-type matching loss of the paper from a smooth, fully `keras.ops`
    side; gradients flow through every Sinkhorn round.

    Differences from the paper (whose training code is not public): no
    black-box-differentiated combinatorial solver (it would need a host
    callback per backend), no learned GCN (put message passing in the model
    if wanted; `C_struct` carries the neighbourhood signal), and the
    quadratic QAP term is replaced by its neighbour-propagation
    approximation `A^s C (A^t)ᵀ`.

    Called as `loss(y_true, views)`: `views` is `[N, 2D]`, the two views of
    each sample side by side; `y_true` is not used (pass sample ids or
    zeros).

    Args:
        temperature: τ (positive). Defaults to `0.1`.
        structure_weight: γ ≥ 0, weight of the second-order term. Defaults
            to `0.5`.
        num_neighbors: k of the kNN graphs (positive, less than the batch
            size). Defaults to `3`.
        sinkhorn_iterations: T ≥ 0, unrolled in the graph. Defaults to `10`.
        distance: a `kzoo.distances.Distance`. Defaults to
            `kzoo.distances.CosineSimilarity()`.
        {{loss_args}}

    Example:

    ```python
    views = keras.layers.Concatenate()([encoder(aug1), encoder(aug2)])
    model = keras.Model([aug1, aug2], views)
    model.compile("adam", loss=kzoo.losses.GraphMatchingLoss())
    model.fit([x1, x2], np.zeros(len(x1)), batch_size=64)
    ```

    References:
        - [Nguyen et al., 2023](https://arxiv.org/abs/2306.11925), LVM-Med:
          learning large-scale self-supervised vision models for medical
          imaging via second-order graph matching.
        - [Cuturi, 2013](https://arxiv.org/abs/1306.0895), Sinkhorn
          distances.
        - [Wang et al., 2019](https://arxiv.org/abs/1904.00597), PCA-GM.
    """

    input_kind = PredictionsOnly(
        rank=2, what="embeddings of shape (batch_size, dim)"
    )

    def __init__(
        self,
        temperature=0.1,
        structure_weight=0.5,
        num_neighbors=3,
        sinkhorn_iterations=10,
        distance=None,
        name="graph_matching_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.temperature = check_positive("temperature", temperature)
        self.distance = get_distance(distance)
        self.structure_weight = check_non_negative(
            "structure_weight", structure_weight
        )
        self.num_neighbors = check_integer("num_neighbors", num_neighbors)
        if num_neighbors < 1:
            raise ValueError(
                "`num_neighbors` must be a positive integer. "
                f"Received: num_neighbors={num_neighbors!r}"
            )
        self.sinkhorn_iterations = check_integer(
            "sinkhorn_iterations", sinkhorn_iterations
        )
        if sinkhorn_iterations < 0:
            raise ValueError(
                "`sinkhorn_iterations` must be a non-negative integer. "
                f"Received: sinkhorn_iterations={sinkhorn_iterations!r}"
            )

    def standardize_inputs(self, y_true, y_pred):
        y_true, y_pred = super().standardize_inputs(y_true, y_pred)
        views(y_pred, 2)
        return y_true, y_pred

    def affinity(self, z_s, z_t):
        """`(C + γ·C_struct) / τ`, the matrix Sinkhorn normalizes."""
        logits = similarity_logits(self.distance, z_s, z_t, self.temperature)
        if self.structure_weight:
            n = z_s.shape[0]
            k = self.num_neighbors
            if n is not None and n > 1:
                k = min(k, n - 1)
            if n is None or n > 1:
                a_s = knn_graph(z_s, k, self.distance)
                a_t = knn_graph(z_t, k, self.distance)
                struct = ops.matmul(ops.matmul(a_s, logits), ops.transpose(a_t))
                logits = logits + self.structure_weight * struct
        return logits

    def call(self, y_true, y_pred):
        z_s, z_t = views(y_pred, 2)
        log_p = log_sinkhorn(self.affinity(z_s, z_t), self.sinkhorn_iterations)
        return -diagonal(log_p)


graph_matching = kzoo_export("kzoo.losses.graph_matching")(
    functional_twin(GraphMatchingLoss, "graph_matching")
)
