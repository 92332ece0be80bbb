"""Global (pooled) ROC AUC of retrieval scores, streaming and binned."""

import keras
from keras import ops

from kzoo._validation import check_integer
from kzoo._validation import is_number
from kzoo.api_export import kzoo_export


@kzoo_export("kzoo.metrics.RetrievalAUC")
class RetrievalAUC(keras.metrics.Metric):
    """Pooled ROC AUC of a relevance/score matrix, from score histograms.

    All cells of every batch are pooled (the "global AUC" of the MW-loss
    paper): the AUC is the probability that a positive cell scores above a
    negative cell, ties counting one half. Scores are binned into `num_bins`
    equal bins over `score_range` (values outside are clipped to the end
    bins), and two histograms — of positive and of negative cells — are
    accumulated as summed metric variables, so the metric streams over
    batches and reduces across replicas. Within a bin, pairs count as ties;
    with bins of width `Δ` the result differs from the exact (sklearn
    `roc_auc_score`) value only through pairs closer than `Δ`, and is exact
    when every score sits at a bin centre.

    Formula:

    ```
    P_b, N_b = (weighted) counts of positive / negative cells in bin b
    AUC = Σ_b P_b (Σ_{c<b} N_c + ½ N_b) / (Σ_b P_b · Σ_b N_b)
    ```

    The result is 0 until both a positive and a negative cell have been seen.

    Args:
        num_bins: number of score bins. Defaults to `1000`.
        score_range: `(low, high)` of the scores. Defaults to `(-1.0, 1.0)`
            (cosine similarities).
        name: metric name. Defaults to `"retrieval_auc"`.
        dtype: metric dtype. Defaults to `None` (float32).

    Call arguments (`update_state`):
        y_true: relevance `[B, N]` (or any shape); 1 marks a positive cell.
        y_pred: scores of the same shape.
        sample_weight: optional, broadcastable to `y_true` (per query `[B]`
            or `[B, 1]`, or per cell).

    Example:

    ```python
    model.compile(loss=kzoo.losses.MannWhitneyLoss(),
                  metrics=[kzoo.metrics.RetrievalAUC()])
    ```

    References:
        - [Sheikholeslami et al., 2025](https://arxiv.org/abs/2510.00137),
          Optimizing What Matters: AUC-Driven Learning for Robust Neural
          Retrieval.
    """

    def __init__(
        self,
        num_bins=1000,
        score_range=(-1.0, 1.0),
        name="retrieval_auc",
        dtype=None,
    ):
        super().__init__(name=name, dtype=dtype)
        self.num_bins = check_integer("num_bins", num_bins)
        if num_bins < 1:
            raise ValueError(
                "`num_bins` must be a positive integer. "
                f"Received: num_bins={num_bins!r}"
            )
        valid = (
            isinstance(score_range, (tuple, list))
            and len(score_range) == 2
            and all(is_number(v) for v in score_range)
            and score_range[0] < score_range[1]
        )
        if not valid:
            raise ValueError(
                "`score_range` must be a pair (low, high) with low < high. "
                f"Received: score_range={score_range!r}"
            )
        self.score_range = (float(score_range[0]), float(score_range[1]))
        self.positives = self.add_variable(
            shape=(self.num_bins,),
            initializer="zeros",
            dtype="float32",
            aggregation="sum",
            name="positives",
        )
        self.negatives = self.add_variable(
            shape=(self.num_bins,),
            initializer="zeros",
            dtype="float32",
            aggregation="sum",
            name="negatives",
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        scores = ops.cast(ops.convert_to_tensor(y_pred), "float32")
        relevance = ops.cast(ops.convert_to_tensor(y_true), "float32")
        if sample_weight is None:
            weights = ops.ones_like(scores)
        else:
            weights = ops.cast(ops.convert_to_tensor(sample_weight), "float32")
            if len(weights.shape) == 1 and len(scores.shape) == 2:
                weights = weights[:, None]
            weights = ops.broadcast_to(weights, ops.shape(scores))
        low, high = self.score_range
        pos = ops.cast(ops.greater(relevance, 0.5), "float32")
        idx = ops.floor((scores - low) / (high - low) * self.num_bins)
        idx = ops.cast(ops.clip(idx, 0, self.num_bins - 1), "int32")
        idx = ops.reshape(idx, (-1,))
        w = ops.reshape(weights, (-1,))
        p = ops.reshape(pos, (-1,))
        self.positives.assign_add(
            ops.segment_sum(w * p, idx, num_segments=self.num_bins)
        )
        self.negatives.assign_add(
            ops.segment_sum(w * (1.0 - p), idx, num_segments=self.num_bins)
        )

    def result(self):
        pos = ops.convert_to_tensor(self.positives)
        neg = ops.convert_to_tensor(self.negatives)
        below = ops.cumsum(neg) - neg
        num = ops.sum(pos * (below + 0.5 * neg))
        den = ops.sum(pos) * ops.sum(neg)
        return ops.divide_no_nan(num, den)

    def reset_state(self):
        self.positives.assign(ops.zeros((self.num_bins,), "float32"))
        self.negatives.assign(ops.zeros((self.num_bins,), "float32"))

    def get_config(self):
        config = super().get_config()
        config.update(num_bins=self.num_bins, score_range=self.score_range)
        return config
