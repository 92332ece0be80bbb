"""Hyp-CE: cross-entropy on hyperbolic MLR logits (Hyp-OC, Narayan & Patel,
2024)."""

from keras import ops

from kzoo._validation import check_bool
from kzoo._validation import labels as standardize_labels
from kzoo.api_export import deprecated_alias
from kzoo.api_export import kzoo_export
from kzoo.losses.hyperbolic.one_class_batch import one_class_rows
from kzoo.losses.inputs import PredictionsOnly
from kzoo.losses.loss import Loss
from kzoo.losses.twins import functional_twin


@kzoo_export("kzoo.losses.HypCrossEntropyLoss")
class HypCrossEntropyLoss(Loss):
    """Hyp-CE: softmax cross-entropy on hyperbolic MLR logits (Hyp-OC).

    Formula (logits h = `HyperbolicMLR(2)` outputs, real = class 0,
    pseudo-negative = class 1):

    ```
    Hyp-CE = −(1/N) Σ_i log softmax(h_i)[t_i]
    ```

    With `one_class_batch=True` (the default) the targets come from the
    layout written by `kzoo.layers.PseudoNegativeSampler`: the first half of
    the rows is real (t = 0), the second half pseudo-negative (t = 1), and
    `y_true` is ignored (pass the `B` real labels, zeros). With
    `one_class_batch=False` it is the usual sparse cross-entropy on integer
    `y_true`.

    {{hyp_oc_batch_level}}

    Args:
        one_class_batch: infer the targets from the row layout. Defaults to
            `True`.
        {{loss_args}}

    Example:

    ```python
    model.compile(optimizer="adam",
                  loss=[kzoo.losses.HypCrossEntropyLoss(),
                        kzoo.losses.HypPairwiseConfusionLoss(c=0.1)])
    ```

    References:
        - [Narayan & Patel, 2024](https://arxiv.org/abs/2404.14406), Hyp-OC.
    """

    # `y_true` (integer labels) is read only with `one_class_batch=False`.
    input_kind = PredictionsOnly(rank=2, what="logits of shape (rows, classes)")
    batch_level = True

    def __init__(
        self,
        one_class_batch=True,
        name="hyp_cross_entropy_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.one_class_batch = check_bool("one_class_batch", one_class_batch)

    def standardize_inputs(self, y_true, y_pred):
        _, logits = super().standardize_inputs(y_true, y_pred)
        if self.one_class_batch:
            return None, logits
        return standardize_labels(y_true, logits.shape[0]), logits

    def call(self, labels, logits):
        n = logits.shape[0]
        if labels is None:  # one-class layout: real rows, then negatives
            if n is None:  # TF graph with an unknown batch size
                rows = ops.shape(logits)[0]
                half = one_class_rows(n, rows)
                labels = ops.cast(ops.arange(rows) >= half, "int32")
            else:
                half = one_class_rows(n)
                labels = ops.concatenate(
                    [ops.zeros((half,), "int32"), ops.ones((half,), "int32")]
                )
        targets = ops.one_hot(labels, logits.shape[-1], dtype=logits.dtype)
        logp = ops.log_softmax(logits, axis=-1)
        return -ops.mean(ops.sum(targets * logp, axis=-1))


hyp_cross_entropy = kzoo_export("kzoo.losses.hyp_cross_entropy")(
    functional_twin(HypCrossEntropyLoss, "hyp_cross_entropy")
)

deprecated_alias(
    "kzoo.losses.HypCrossEntropy",
    "kzoo.losses.HypCrossEntropyLoss",
    HypCrossEntropyLoss,
)
