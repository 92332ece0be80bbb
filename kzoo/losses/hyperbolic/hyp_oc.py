"""Hyp-OC losses (Narayan & Patel, 2024): Hyp-CE and Hyp-PC."""

import keras
from keras import ops

from kzoo._validation import check_bool
from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.losses.base import _KzooLoss
from kzoo.losses.base import standardize_labels
from kzoo.ops.hyperbolic import _artanh
from kzoo.ops.hyperbolic import mobius_add
from kzoo.ops.norms import safe_norm

_BATCH_LEVEL = """This is a batch-level loss: it returns one scalar for the
    batch, so `reduction` and `sample_weight` do not apply."""


def _one_class_rows(n_rows, dynamic_rows=None):
    """Half the row count; `dynamic_rows` (a tensor) when the static count
    is unknown (TensorFlow graphs with a partial last batch)."""
    if n_rows is None:
        return dynamic_rows // 2
    if n_rows % 2:
        raise ValueError(
            "With `one_class_batch=True` the batch must hold as many "
            "pseudo-negatives as real rows (an even, static row count). "
            f"Received: {n_rows} rows"
        )
    return n_rows // 2


@kzoo_export("kzoo.losses.HypCrossEntropy")
class HypCrossEntropy(_KzooLoss):
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
    `y_true`. {batch_level}

    Args:
        one_class_batch: infer the targets from the row layout. Defaults to
            `True`.
        name: the loss name. Defaults to `"hyp_cross_entropy"`.
        dtype: computation dtype. Defaults to `None` (float32).

    Example:

    ```python
    model.compile(optimizer="adam",
                  loss=[kzoo.losses.HypCrossEntropy(),
                        kzoo.losses.HypPairwiseConfusionLoss(c=0.1)])
    ```

    References:
        - [Narayan & Patel, 2024](https://arxiv.org/abs/2404.14406), Hyp-OC.
    """

    def __init__(
        self, one_class_batch=True, name="hyp_cross_entropy", dtype=None
    ):
        super().__init__(name=name, dtype=dtype)
        self.one_class_batch = check_bool("one_class_batch", one_class_batch)

    def __call__(self, y_true, y_pred, sample_weight=None):
        with keras.name_scope(self.name):
            logits = ops.cast(ops.convert_to_tensor(y_pred), self.dtype)
            if len(logits.shape) != 2:
                raise ValueError(
                    "`y_pred` must be logits of shape (rows, classes). "
                    f"Received: y_pred.shape={tuple(logits.shape)}"
                )
            n = logits.shape[0]
            if self.one_class_batch:
                if n is None:  # TF graph with an unknown batch size
                    rows = ops.shape(logits)[0]
                    half = _one_class_rows(n, rows)
                    labels = ops.cast(ops.arange(rows) >= half, "int32")
                else:
                    half = _one_class_rows(n)
                    labels = ops.concatenate(
                        [
                            ops.zeros((half,), "int32"),
                            ops.ones((half,), "int32"),
                        ]
                    )
            else:
                labels = standardize_labels(y_true, n)
            targets = ops.one_hot(labels, logits.shape[-1], dtype=self.dtype)
            logp = ops.log_softmax(logits, axis=-1)
            return -ops.mean(ops.sum(targets * logp, axis=-1))

    def get_config(self):
        config = super().get_config()
        config.pop("reduction", None)
        config["one_class_batch"] = self.one_class_batch
        return config


HypCrossEntropy.__doc__ = HypCrossEntropy.__doc__.replace(
    "{batch_level}", _BATCH_LEVEL
)


def _hyp_pc_distance(x, y, c, distance):
    sc = c**0.5
    norm = safe_norm(mobius_add(-x, y, c))
    if distance == "artanh":
        return (2.0 / sc) * _artanh(sc * norm)
    return (2.0 / sc) * ops.arctan(sc * norm)


@kzoo_export("kzoo.losses.HypPairwiseConfusionLoss")
class HypPairwiseConfusionLoss(_KzooLoss):
    """Hyp-PC: hyperbolic pairwise confusion of the real embeddings (Hyp-OC).

    Pulls the Poincaré embeddings of bona-fide samples together: the real
    rows are split into a left and a right half and the hyperbolic
    distances of the aligned pairs are summed and divided by the number of
    real rows.

    Formula (real embeddings z_1..z_R in the ball, R even):

    ```
    Hyp-PC = (1/R) Σ_{i=1}^{R/2} d_c(z_i, z_{i+R/2})
    d_c(x, y) = (2/√c)·artanh(√c‖(−x) ⊕_c y‖)      distance="artanh"
    d_c(x, y) = (2/√c)·arctan(√c‖(−x) ⊕_c y‖)      distance="arctan_official"
    ```

    Paper vs code: the paper uses the Poincaré distance (artanh, the
    default). The official code (`loss.py`, `TPC_loss_hyp`) writes `arctan`,
    which is the distance of the *spherical* model and bounded by π/√c; e.g.
    for c = 0.1, x = (0.3, 0.4), y = (−0.5, 0.2): artanh 1.6753490, arctan
    1.6020637. Pick `"arctan_official"` to reproduce the released numbers.

    With `one_class_batch=True` (the default) only the first half of the
    rows (the real rows written by `kzoo.layers.PseudoNegativeSampler`)
    enter, and `y_true` is ignored; otherwise every row is real. {batch_level}

    Args:
        c: curvature magnitude. Defaults to `1.0` (Hyp-OC uses `0.1`).
        distance: `"artanh"` or `"arctan_official"`. Defaults to
            `"artanh"`.
        one_class_batch: use only the first half of the rows. Defaults to
            `True`.
        name: the loss name. Defaults to `"hyp_pairwise_confusion_loss"`.
        dtype: computation dtype. Defaults to `None` (float32).

    Example:

    ```python
    loss = kzoo.losses.HypPairwiseConfusionLoss(c=0.1)
    value = loss(None, poincare_embeddings)
    ```

    References:
        - [Narayan & Patel, 2024](https://arxiv.org/abs/2404.14406), Hyp-OC.
        - [Dubey et al., 2018](https://arxiv.org/abs/1705.08016), Pairwise
          Confusion for Fine-Grained Visual Classification.
    """

    def __init__(
        self,
        c=1.0,
        distance="artanh",
        one_class_batch=True,
        name="hyp_pairwise_confusion_loss",
        dtype=None,
    ):
        super().__init__(name=name, dtype=dtype)
        self.c = check_positive("c", c)
        if distance not in ("artanh", "arctan_official"):
            raise ValueError(
                "`distance` must be 'artanh' or 'arctan_official'. "
                f"Received: distance={distance!r}"
            )
        self.distance = distance
        self.one_class_batch = check_bool("one_class_batch", one_class_batch)

    def __call__(self, y_true, y_pred, sample_weight=None):
        with keras.name_scope(self.name):
            z = ops.cast(ops.convert_to_tensor(y_pred), self.dtype)
            if len(z.shape) != 2:
                raise ValueError(
                    "`y_pred` must be embeddings of shape (rows, dim). "
                    f"Received: y_pred.shape={tuple(z.shape)}"
                )
            n = z.shape[0]
            rows = n if n is not None else ops.shape(z)[0]
            if self.one_class_batch:
                rows = _one_class_rows(n, rows)
                z = z[:rows]
            if isinstance(rows, int) and rows < 2:
                return ops.zeros((), self.dtype)
            half = rows // 2
            d = _hyp_pc_distance(
                z[:half], z[half : 2 * half], self.c, self.distance
            )
            return ops.divide_no_nan(ops.sum(d), ops.cast(rows, self.dtype))

    def get_config(self):
        config = super().get_config()
        config.pop("reduction", None)
        config.update(
            c=self.c,
            distance=self.distance,
            one_class_batch=self.one_class_batch,
        )
        return config


HypPairwiseConfusionLoss.__doc__ = HypPairwiseConfusionLoss.__doc__.replace(
    "{batch_level}", _BATCH_LEVEL
)
