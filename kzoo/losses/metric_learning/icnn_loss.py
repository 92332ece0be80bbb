"""ICNN loss for few-shot episodes (Mendez-Ruiz et al., 2023)."""

from keras import ops

from kzoo.api_export import kzoo_export
from kzoo.losses.inputs import LabelsAndEmbeddings
from kzoo.losses.loss import Loss
from kzoo.losses.metric_learning.episodes import check_episode
from kzoo.losses.metric_learning.episodes import check_positive_int
from kzoo.losses.metric_learning.episodes import episode_distance
from kzoo.losses.metric_learning.episodes import episode_inputs
from kzoo.losses.twins import functional_twin

_EPS = 1e-7
_BIG = 1e30


def icnn_score(origin, origin_labels, target, target_labels, k, ipc, same):
    """The ICNN score ∈ [0, 1] of `origin` points among `target` points.

    `same=True` when `origin` and `target` are the same set: each point's own
    entry is excluded from its neighbours. The official code instead drops
    the first neighbour in every case, which removes the true nearest
    neighbour when the sets differ (queries against supports).
    """
    m = target.shape[0]
    if k + 2 >= m:
        k = m - 2
    if ipc is None:
        ipc = k + 1
    d = episode_distance(origin, target)
    if same:
        d_sel = ops.where(ops.eye(m, dtype="bool"), _BIG, d)
    else:
        d_sel = d
    neg_values, idx = ops.top_k(-d_sel, ipc)
    dist = -neg_values
    classes = ops.take(target_labels, idx)
    sc = ops.cast(ops.equal(origin_labels[:, None], classes), dist.dtype)
    dc = 1.0 - sc
    has_dc = ops.sum(dc, axis=1) > 0
    nn_dc = ops.min(ops.where(dc > 0, dist, _BIG), axis=1)
    nn_dc = ops.where(has_dc, nn_dc, 1.0)
    nd = ops.where(has_dc[:, None], dist[:, :k] / (nn_dc[:, None] + _EPS), 0.0)
    nd = nd / ops.maximum(ops.max(nd, axis=1, keepdims=True), 1.0)
    sck, dck = sc[:, :k], dc[:, :k]
    sc_counts = ops.sum(sck, axis=1)
    sc_sum = ops.sum(nd * sck, axis=1) / (sc_counts + _EPS)
    sc_rows = ops.sum(ops.cast(sc_counts > 0, dist.dtype))
    sclamb = 1.0 - ops.sum(sc_sum) / (sc_rows + _EPS)
    dcd = (dist * dc)[:, :k]
    dcd = dcd / (ops.max(dcd) + _EPS)
    dc_counts = ops.sum(dck, axis=1)
    dcop = ops.where(ops.sum(dc_counts) > 0, 0.0, -1.0)
    dc_sum = ops.sum(dcd, axis=1) / (dc_counts + _EPS)
    dc_rows = ops.sum(ops.cast(dc_counts > 0, dist.dtype))
    dclamb = ops.abs(ops.sum(dc_sum) / (dc_rows + _EPS) + dcop)
    lamb = (sclamb + dclamb) / 2.0
    if k + 2 < m:
        gamma = ops.mean(sc_counts) / k
    else:
        gamma = 1.0
    return (lamb + gamma) / 2.0


@kzoo_export("kzoo.losses.ICNNLoss")
class ICNNLoss(Loss):
    """ICNN loss: −log of the intra-class / nearest-neighbour score.

    The ICNN score rewards neighbourhoods where same-class neighbours are
    close relative to the nearest different-class neighbour (λ) and where
    many of the k nearest neighbours share the class (γ). It is a batch-level
    value: the loss is one scalar for the episode, whatever the reduction; a
    scalar `sample_weight` scales it, per-sample weights are refused.

    {{episode_layout}}

    Formula (official `modified_score`, maumruiz/FSL-Loss @ 249405f,
    `algorithms/icnn_loss.py`; origin X, target T):

    ```
    k ← |T| − 2 if k + 2 ≥ |T|;   ipc ← k + 1 (mode "full": shot + query)
    D, nb: the ipc nearest neighbours of each x_i in T under
           d(a, b) = sqrt(‖a − b‖² + 1e-6), x_i itself excluded
    SC_ij = 1[y_i = y_T[nb_ij]],  DC = 1 − SC
    nn_dc_i = min_j {D_ij : DC_ij = 1}  (over all ipc columns)
    ND_ij = D_ij / (nn_dc_i + 1e-7), j < k;  ND_i /= max(1, max_j ND_ij)
    sclamb = 1 − Σ_i [Σ_j ND_ij SC_ij / (Σ_j SC_ij + 1e-7)] / (#rows with SC)
    DCD = (D ⊙ DC)[:, :k] / (max(D ⊙ DC)[:, :k] + 1e-7)
    dclamb = | Σ_i [Σ_j DCD_ij / (Σ_j DC_ij + 1e-7)] / (#rows with DC)
               − 1[no DC at all] |
    λ = (sclamb + dclamb)/2;  γ = mean_i Σ_{j<k} SC_ij / k  (1 if k clamped)
    score = (λ + γ)/2;   L = −log(score)
    ```

    Modes: `"support"` scores the supports among themselves, `"full"` the
    supports and queries together, `"query"` the queries among the supports.

    Fix of the official code: `modified_score` always drops the first
    neighbour, assuming it is the point itself. That holds only when origin
    and target are the same set; in the official query mode (queries against
    supports or prototypes) it throws away each query's real nearest
    neighbour. Here a point's own entry is excluded only when origin and
    target coincide (`"support"`, `"full"`), and nothing is dropped in
    `"query"` mode. For the same-set modes this equals the official value
    (up to the order of exact distance ties). Neighbour selection and γ are
    piecewise constant: gradients flow through the distances only.

    Args:
        way: classes per episode (≥ 2).
        shot: support examples per class.
        query: query examples per class.
        mode: `"support"`, `"query"` or `"full"`. Defaults to `"full"`.
        k: neighbours scored (clamped to `|T| − 2`). Defaults to `4`.
        {{loss_args}}

    Example:

    ```python
    loss = kzoo.losses.ICNNLoss(way=5, shot=5, query=5, mode="full")
    ```

    References:
        - [Mendez-Ruiz et al., 2023](https://arxiv.org/abs/2305.09062),
          SuSana Distancia is all you need: Enforcing class separability in
          metric learning via two novel distance-based loss functions for
          few-shot image classification.
    """

    input_kind = LabelsAndEmbeddings()
    batch_level = True

    def __init__(
        self,
        way,
        shot,
        query,
        mode="full",
        k=4,
        name="icnn_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.way, self.shot, self.query = check_episode(way, shot, query)
        if mode not in ("support", "query", "full"):
            raise ValueError(
                "`mode` must be 'support', 'query' or 'full'. "
                f"Received: mode={mode!r}"
            )
        self.mode = mode
        self.k = check_positive_int("k", k)
        if mode in ("support", "query") and way * shot < 3:
            raise ValueError(
                f"mode={mode!r} needs at least 3 supports (way·shot). "
                f"Received: way={way!r}, shot={shot!r}"
            )

    def standardize_inputs(self, y_true, y_pred):
        return episode_inputs(
            y_true, y_pred, self.dtype, self.way, self.shot, self.query
        )

    def score(self, labels, embeddings):
        ns = self.way * self.shot
        if self.mode == "support":
            s, ys = embeddings[:ns], labels[:ns]
            return icnn_score(s, ys, s, ys, self.k, None, same=True)
        if self.mode == "query":
            s, ys = embeddings[:ns], labels[:ns]
            q, yq = embeddings[ns:], labels[ns:]
            return icnn_score(q, yq, s, ys, self.k, None, same=False)
        ipc = self.shot + self.query
        return icnn_score(
            embeddings, labels, embeddings, labels, self.k, ipc, same=True
        )

    def call(self, labels, embeddings):
        return -ops.log(ops.maximum(self.score(labels, embeddings), 1e-12))


icnn = kzoo_export("kzoo.losses.icnn")(functional_twin(ICNNLoss, "icnn"))
