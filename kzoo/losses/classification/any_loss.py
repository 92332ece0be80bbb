"""AnyLoss: classification metrics turned into losses (Han et al., 2024)."""

from keras import ops

from kzoo._validation import check_bool
from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.losses.inputs import BinaryTargetsAndScores
from kzoo.losses.loss import Loss
from kzoo.losses.twins import functional_twin

METRICS = ("accuracy", "f1", "fbeta", "gmean", "balanced_accuracy")
_S = 1e-5  # the reference notebooks' smoothing constant


def any_loss_value(labels, probs, weights, metric, beta, amplifier):
    """`1 − metric` on the soft confusion matrix of one batch (a scalar)."""
    soft = ops.sigmoid(amplifier * (probs - 0.5))
    n = ops.sum(weights)
    pos = ops.sum(weights * labels)
    neg = n - pos
    tp = ops.sum(weights * labels * soft)
    predicted = ops.sum(weights * soft)
    tn = neg - predicted + tp
    if metric == "accuracy":
        score = ops.divide_no_nan(tp + tn, n)
    elif metric in ("f1", "fbeta"):
        b2 = beta * beta
        score = (1.0 + b2) * tp / (b2 * pos + predicted + _S)
    else:
        tpr = tp / (pos + _S)
        tnr = tn / (neg + _S)
        if metric == "balanced_accuracy":
            score = 0.5 * (tpr + tnr)
        else:
            score = ops.sqrt(ops.maximum(tpr * tnr, 0.0) + _S)
    return 1.0 - score


def confusion_weights(sample_weight, probs):
    """`(weights [B], scale)`: per-sample weights of the confusion matrix
    (ones without `sample_weight`), and the scalar that multiplies the loss
    (a scalar `sample_weight`, else `None`)."""
    if sample_weight is None:
        return ops.ones_like(probs), None
    weights = ops.cast(ops.convert_to_tensor(sample_weight), probs.dtype)
    if len(weights.shape) == 0:
        return ops.ones_like(probs), weights
    return ops.broadcast_to(ops.reshape(weights, (-1,)), ops.shape(probs)), None


@kzoo_export("kzoo.losses.AnyLoss")
class AnyLoss(Loss):
    """AnyLoss: `1 − metric` on a differentiable confusion matrix of the batch.

    A binary classification metric (accuracy, F-β, G-mean, balanced
    accuracy) is a function of the confusion matrix. AnyLoss makes each
    predicted probability nearly 0 or 1 with an *amplifying* sigmoid of
    steepness `L`, builds the confusion matrix from these soft predictions
    over the whole batch, and minimizes one minus the metric — so a model can
    be trained directly for F1 or balanced accuracy on imbalanced data.

    Formula (labels y ∈ {0, 1}, probabilities p, weights w — all ones
    without `sample_weight`):

    ```
    ŷ = A(p) = 1 / (1 + exp(−L·(p − 0.5)))
    N = Σ w,  y1 = Σ w·y,  y0 = N − y1
    TP = Σ w·y·ŷ,  TN = y0 − Σ w·ŷ + TP,  FP = Σ w·ŷ − TP,  FN = y1 − TP
    accuracy:           1 − (TP + TN) / N
    f1 / fbeta:         1 − (1 + β²)·TP / (β²·y1 + Σ w·ŷ + s)
    balanced_accuracy:  1 − ½·(TP / (y1 + s) + TN / (y0 + s))
    gmean:              1 − sqrt(TP / (y1 + s) · TN / (y0 + s) + s)
    s = 1e-5
    ```

    Choices, and where they differ from the reference notebooks:

    - The batch size `N` is read from the batch (or is `Σ w`), not from a
      constant; the notebooks use a global batch size (wrong on a partial
      last batch) and, for accuracy and G-mean, the training-set size.
    - G-mean keeps the square root of the paper's definition
      (`sqrt(TPR·TNR)`, as in the original notebooks). The extension README
      drops it; kzoo instead adds `s` inside the root, which bounds the
      gradient (at most `1/(2·sqrt(s))` ≈ 158 times that of TPR·TNR) where
      TPR·TNR is near 0, at a value bias below 0.0032 (below 1e-5 at
      TPR·TNR = 0.25).
    - Balanced accuracy and G-mean use per-class rates with `s` in each
      denominator, equal to the notebooks' `(y0·TP + y1·TN)/(2·y1·y0 + s)`
      up to `s` when both classes are present. A batch with one class then
      stays sane: balanced accuracy reduces to half the present class's rate
      (still trainable); G-mean and F-β give loss 1 with zero gradient when
      there are no positives (the metric is 0 or undefined); accuracy is
      unaffected. Use stratified batches for G-mean and F-β.
    - Batch-level: the loss is one number per batch, so `reduction` has no
      effect. Per-sample `sample_weight` (`[B]` or `[B, 1]`) weights each
      sample's entries in the confusion matrix (as Keras' `class_weight`
      expects); a scalar `sample_weight` multiplies the loss.

    Args:
        metric: one of `"accuracy"`, `"f1"`, `"fbeta"`, `"gmean"`,
            `"balanced_accuracy"`. Defaults to `"f1"`.
        beta: β of F-β (`metric="fbeta"`); must stay 1 for `"f1"`. Defaults
            to `1.0`.
        amplifier: the steepness L of the amplifying sigmoid. The paper's
            experiments use 73 (README: L ∈ [2, 70] all work). Defaults to
            `73.0`.
        from_logits: apply a sigmoid to `y_pred` first. The paper feeds
            probabilities. Defaults to `False`.
        {{loss_args}}

    Example:

    ```python
    model = keras.Sequential([..., keras.layers.Dense(1, "sigmoid")])
    model.compile(optimizer="adam", loss=kzoo.losses.AnyLoss(metric="f1"))
    model.fit(x, y01, batch_size=256)
    ```

    References:
        - [Han, Moniz & Chawla, 2024](https://arxiv.org/abs/2405.14745),
          AnyLoss: Transforming Classification Metrics into Loss Functions
          (KDD 2024). Code: https://github.com/doheonhan/anyloss_extension
    """

    input_kind = BinaryTargetsAndScores()
    batch_level = True

    def __init__(
        self,
        metric="f1",
        beta=1.0,
        amplifier=73.0,
        from_logits=False,
        name="any_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if metric not in METRICS:
            raise ValueError(
                f"`metric` must be one of {METRICS}. "
                f"Received: metric={metric!r}"
            )
        self.metric = metric
        self.beta = check_positive("beta", beta)
        if metric == "f1" and self.beta != 1.0:
            raise ValueError(
                '`beta` must be 1 for metric="f1" (use metric="fbeta"). '
                f"Received: beta={beta!r}"
            )
        self.amplifier = check_positive("amplifier", amplifier)
        self.from_logits = check_bool("from_logits", from_logits)

    def call(self, labels, probs, sample_weight=None):
        labels = ops.cast(labels, probs.dtype)
        if self.from_logits:
            probs = ops.sigmoid(probs)
        weights, scale = confusion_weights(sample_weight, probs)
        value = any_loss_value(
            labels, probs, weights, self.metric, self.beta, self.amplifier
        )
        return value if scale is None else value * scale


any_loss = kzoo_export("kzoo.losses.any_loss")(
    functional_twin(AnyLoss, "any_loss")
)
