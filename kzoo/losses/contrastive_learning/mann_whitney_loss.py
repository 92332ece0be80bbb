"""The Mann-Whitney (MW) loss for AUC-driven retrieval."""

from keras import ops

from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.losses.inputs import TargetsAndPredictions
from kzoo.losses.loss import Loss
from kzoo.losses.twins import functional_twin


def _check_matrix(name, x):
    if len(x.shape) != 2:
        raise ValueError(
            f"`{name}` must be a (num_queries, num_candidates) matrix. "
            f"Received: {name}.shape={tuple(x.shape)}"
        )


@kzoo_export("kzoo.losses.MannWhitneyLoss")
class MannWhitneyLoss(Loss):
    """Mann-Whitney loss: every positive cell against every negative cell.

    A smooth surrogate of the global (pooled) AUC of a retrieval score
    matrix. Each positive score `s⁺` (a cell with relevance 1) is contrasted
    with every negative cell of the **whole** `[B, N]` matrix — the other
    queries' negatives and, if they are columns of the matrix, the other
    queries' positives included — through a logistic (BCE) pair loss. The sum
    is divided by the number of queries B (the paper's Eq. 3), not by the
    number of pairs: the per-sample value of query i is the sum over its
    positive cells, so Keras' default mean over the batch gives Eq. 3.

    Formula:

    ```
    P = {(i, j) : r_ij = 1},   S⁻ = {s_kl : r_kl = 0}      (pooled over rows)
    ℓ_i = Σ_{j : r_ij = 1} Σ_{s⁻ ∈ S⁻} softplus((s⁻ − s_ij) / τ)
        = −Σ_j Σ_{s⁻} log σ((s_ij − s⁻) / τ)
    L = (1/B) Σ_i ℓ_i
    ```

    With in-batch negatives, `scores[i, j] = cos(q_i, p_j)` for B queries and
    B + H·B passages, relevance the `[B, B + HB]` matrix with ones on the
    diagonal of the first B columns. Memory is O((B·N)²): the pair matrix of
    all cells is formed once. A per-row (InfoNCE-shaped) version gives a
    different value: the pooling over rows is what makes the loss consistent
    with the global AUC (paper, Lemma 2: AoC ≤ L_MW / log 2).

    Args:
        temperature: τ. Defaults to `0.01` (the paper's value throughout).
        {{loss_args}}

    Call arguments:
        relevance: `[B, N]` 0/1 (y_true); 1 marks a positive cell.
        scores: `[B, N]` similarity scores (y_pred).
        sample_weight: optional per-query weights `[B]`.

    Example:

    ```python
    loss = kzoo.losses.MannWhitneyLoss(temperature=0.01)
    value = loss(relevance, query_emb @ passage_emb.T)
    ```

    References:
        - [Sheikholeslami et al., 2025](https://arxiv.org/abs/2510.00137),
          Optimizing What Matters: AUC-Driven Learning for Robust Neural
          Retrieval.
    """

    input_kind = TargetsAndPredictions(
        rank=2,
        what="a (num_queries, num_candidates) matrix",
        target_what="relevance",
    )

    def __init__(
        self,
        temperature=0.01,
        name="mann_whitney_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.temperature = check_positive("temperature", temperature)

    def standardize_inputs(self, y_true, y_pred):
        # Both arguments are named after what they hold in the messages.
        _check_matrix("scores", ops.convert_to_tensor(y_pred))
        _check_matrix("relevance", ops.convert_to_tensor(y_true))
        return super().standardize_inputs(y_true, y_pred)

    def call(self, relevance, scores):
        positive = ops.greater(ops.cast(relevance, "float32"), 0.5)
        flat = ops.reshape(scores, (-1,))
        is_neg = ops.logical_not(ops.reshape(positive, (-1,)))
        # [M, M] with M = B·N: row = a cell taken as positive, column = a cell
        # taken as negative.
        pair = ops.softplus((flat[None, :] - flat[:, None]) / self.temperature)
        per_cell = ops.sum(
            ops.where(is_neg[None, :], pair, ops.zeros_like(pair)), axis=1
        )
        per_cell = ops.reshape(per_cell, ops.shape(scores))
        return ops.sum(
            ops.where(positive, per_cell, ops.zeros_like(per_cell)), axis=1
        )


mann_whitney = kzoo_export("kzoo.losses.mann_whitney")(
    functional_twin(MannWhitneyLoss, "mann_whitney")
)
