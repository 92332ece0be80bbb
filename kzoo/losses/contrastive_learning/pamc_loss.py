"""PamC: contrastive loss against parameter-free meta-nodes (cluster sums)."""

import math

from keras import ops

from kzoo import ops as kops
from kzoo._validation import check_integer
from kzoo._validation import check_positive
from kzoo._validation import predictions
from kzoo._validation import shape_of
from kzoo.api_export import kzoo_export
from kzoo.losses.contrastive_learning.infonce_math import get_distance
from kzoo.losses.contrastive_learning.infonce_math import similarity_logits
from kzoo.losses.loss import Loss
from kzoo.losses.twins import functional_twin
from kzoo.ops.masks import BIG

_LOG_EPS = math.log(1e-10)


def _log_eps_sum(lse, any_valid):
    """`log(Σ + 1e-10)` from the log of the sum (official epsilon)."""
    lse = ops.where(any_valid, lse, -BIG)
    return ops.logaddexp(lse, _LOG_EPS)


@kzoo_export("kzoo.losses.PamCLoss")
class PamCLoss(Loss):
    """PamC: block contrastive loss with parameter-free meta-nodes.

    Node-level graph contrastive learning needs N² negative pairs. PamC keeps
    the positive term per node (similarities to its graph neighbourhood,
    weighted by the influence matrix Ã) and replaces node negatives by K
    *meta-nodes*: the sums of the embeddings of each cluster under the hard
    (arg-max, detached) soft assignment q. The negative term contrasts the
    meta-nodes with each other, so the cost is O(N·d·K + K²) instead of
    O(N²) for the negatives.

    Formula (S cosine similarity with `S_ii := 0`, τ temperature):

    ```
    pos_i = Σ_j Ã_ij exp(S(z_i, z_j)/τ)
    c_k   = Σ_{i : argmax q_i = k} z_i                         (meta-nodes)
    neg_k = Σ_{k'} exp(S(c_k, c_k')/τ)                        (S_kk := 0)
    L = −mean_i log(pos_i + 1e-10) + mean_k log(neg_k + 1e-10)
    ```

    The per-node value is `−log(pos_i + 1e-10)` plus the (shared) negative
    term, so the mean over nodes is `L`. The official `--tau t` multiplies
    the similarities: it is `temperature = 1/t` here. Clusters that receive
    no node are left out of the negative term (the official code divides by
    a zero norm there). With K = N and one-hot q (every node its own
    meta-node) the negative term becomes the node-level
    `mean_i log Σ_j exp(S_ij/τ)` of Graph-MLP/SCGC.

    Called as `loss(influence, z_and_q)`: `influence` is the `[N, N]` rows
    of Ã for the batch nodes (the whole graph, `batch_size = N`, as in the
    paper), e.g. `Â + … + Â^r` with `Â = D⁻¹(A + I)`; `z_and_q` is `[N, d + K]`,
    the node embeddings followed by the soft cluster assignment (DEC's
    Student-t q; add DEC's KL self-training term as a separate loss).

    Args:
        num_clusters: K, the number of assignment columns at the end of
            `y_pred` (positive integer).
        temperature: τ (positive). Defaults to `1.0` (official default
            `tau = 1`; the README runs use `tau = 0.5`, i.e. `2.0` here).
        distance: a `kzoo.distances.Distance`. Defaults to
            `kzoo.distances.CosineSimilarity()`.
        {{loss_args}}

    Example:

    ```python
    loss = kzoo.losses.PamCLoss(num_clusters=3, temperature=2.0)
    value = loss(a_tilde, ops.concatenate([z, q], axis=1))
    ```

    References:
        - Kulatilleke, Portmann, Chandra, 2022, *Efficient block
          contrastive learning via parameter-free meta-node approximation*;
          code https://github.com/gayanku/PAMC (`train.py`, `NcontrastCC`).
    """

    def __init__(
        self,
        num_clusters,
        temperature=1.0,
        distance=None,
        name="pamc_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.temperature = check_positive("temperature", temperature)
        self.distance = get_distance(distance)
        self.num_clusters = check_integer("num_clusters", num_clusters)
        if num_clusters < 1:
            raise ValueError(
                "`num_clusters` must be a positive integer. "
                f"Received: num_clusters={num_clusters!r}"
            )

    # Inputs: a float influence matrix `[N, N]` and `[N, d + K]` outputs; no
    # `kzoo.losses.inputs` kind has this pair, so the primitives are
    # combined here.
    def standardize_inputs(self, y_true, y_pred):
        out = predictions(
            y_pred,
            self.dtype,
            rank=2,
            what="embeddings of shape (batch_size, dim)",
        )
        k = self.num_clusters
        width = out.shape[-1]
        if width is not None and width <= k:
            raise ValueError(
                f"`y_pred` must hold embeddings and {k} assignment columns, "
                f"of shape (num_nodes, dim + {k}). "
                f"Received: y_pred.shape={shape_of(out)}"
            )
        adj = ops.cast(ops.convert_to_tensor(y_true), self.dtype)
        n = out.shape[0]
        if len(adj.shape) != 2 or (
            n is not None and tuple(adj.shape) != (n, n)
        ):
            raise ValueError(
                "`y_true` must be the (num_nodes, num_nodes) influence "
                f"matrix. Received: y_true.shape={shape_of(adj)}, "
                f"num_nodes={n}"
            )
        return adj, out

    def call(self, adj, out):
        k = self.num_clusters
        z, q = out[:, :-k], out[:, -k:]
        num = ops.shape(z)[0]
        off_diag = 1.0 - ops.eye(num, dtype=z.dtype)
        logits = similarity_logits(self.distance, z, z, self.temperature)
        logits = logits * off_diag
        any_pos = ops.any(ops.greater(adj, 0), axis=1)
        pos = _log_eps_sum(kops.masked_logsumexp(logits, adj), any_pos)

        hard = ops.stop_gradient(
            ops.one_hot(ops.argmax(q, axis=1), k, dtype=z.dtype)
        )
        meta = ops.matmul(ops.transpose(hard), z)  # [K, d] cluster sums
        used = ops.greater(ops.sum(hard, axis=0), 0)  # [K]
        pair_used = ops.logical_and(used[:, None], used[None, :])
        meta_logits = similarity_logits(
            self.distance, meta, meta, self.temperature
        ) * (1.0 - ops.eye(k, dtype=z.dtype))
        neg = _log_eps_sum(kops.masked_logsumexp(meta_logits, pair_used), used)
        used_f = ops.cast(used, z.dtype)
        neg_term = ops.sum(neg * used_f) / ops.maximum(ops.sum(used_f), 1.0)
        return neg_term - pos


pamc = kzoo_export("kzoo.losses.pamc")(functional_twin(PamCLoss, "pamc"))
