"""Topological segmentation metrics: Betti matching and Betti number errors."""

import keras
from keras import ops

from kzoo._validation import check_number
from kzoo.api_export import kzoo_export
from kzoo.losses.topology.betti_matching_loss import betti_matching_host
from kzoo.losses.topology.betti_matching_loss import check_dims
from kzoo.losses.topology.betti_matching_loss import standardize_maps
from kzoo.topology._callback import host_friendly


def _metric_values(true, pred, dims, kind):
    counts = betti_matching_host(true, pred, dims, "superlevel", False, kind)
    counts = ops.cast(counts[-1], "float32")
    if kind == "BettiMatchingError":
        return ops.sum(counts[:, :, 1] + counts[:, :, 2], axis=1)
    # Finite bars of each image: matched + its unmatched ones.
    beta_p = counts[:, :, 0] + counts[:, :, 1]
    beta_g = counts[:, :, 0] + counts[:, :, 2]
    # The essential component: one more in dimension 0 where the foreground
    # is not empty.
    any_p = ops.cast(ops.max(pred, axis=(1, 2)) > 0, "float32")
    any_g = ops.cast(ops.max(true, axis=(1, 2)) > 0, "float32")
    essential = ops.stack([any_p - any_g, ops.zeros_like(any_p)], axis=1)
    diff = ops.abs(beta_p - beta_g + essential)
    mask = ops.convert_to_tensor([1.0 if d in dims else 0.0 for d in (0, 1)])
    return ops.sum(diff * mask, axis=1)


_metric_values = host_friendly(_metric_values, ("dims", "kind"))


class _BinarizedTopologyMetric(keras.metrics.Mean):
    def __init__(self, dims=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.dims = check_dims(dims)
        self.threshold = check_number("threshold", threshold)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = standardize_maps(y_true, y_pred)
        pred = ops.cast(y_pred > self.threshold, "float32")
        true = ops.cast(y_true > 0.5, "float32")
        values = _metric_values(
            true, pred, dims=self.dims, kind=type(self).__name__
        )
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        config.update(dims=list(self.dims), threshold=self.threshold)
        return config


@kzoo_export("kzoo.metrics.BettiMatchingError")
class BettiMatchingError(_BinarizedTopologyMetric):
    """Betti matching error of binarized 2D segmentations (mean per image).

    The prediction is binarized at `threshold` and the ground truth at 0.5;
    the Betti matching of the two (see `kzoo.losses.BettiMatchingLoss`) is
    computed on the host, and the error counts the bars, in the requested
    dimensions, that have no spatially corresponding partner: the Betti
    matching loss of the binarized maps, since a matched pair of binary bars
    costs 0 and an unmatched one 1.

    Formula:

    ```
    BM = Σ_{d ∈ dims} (#unmatched bars of P in dim d + #unmatched of G)
    ```

    Bars follow the V-construction (4-connected foreground, 8-connected
    holes); the essential component is not counted, so an empty prediction
    against a single-component target scores 0 in dimension 0 (the Betti
    number error counts it). 2D maps only.

    Args:
        dims: homology dimensions, a subset of `(0, 1)`. Defaults to
            `(0, 1)`.
        threshold: binarization threshold of `y_pred`. Defaults to `0.5`.
        name: metric name. Defaults to `"betti_matching_error"`.
        dtype: metric dtype. Defaults to `None`.

    Example:

    ```python
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=[kzoo.metrics.BettiMatchingError()])
    ```

    References:
        - [Stucki et al., 2023](https://arxiv.org/abs/2211.15272),
          Topologically faithful image segmentation via induced matching of
          persistence barcodes.
    """

    def __init__(
        self, dims=(0, 1), threshold=0.5, name="betti_matching_error", **kw
    ):
        super().__init__(dims=dims, threshold=threshold, name=name, **kw)


@kzoo_export("kzoo.metrics.BettiNumberError")
class BettiNumberError(_BinarizedTopologyMetric):
    """Betti number error of binarized 2D segmentations (mean per image).

    Formula:

    ```
    BNE = Σ_{d ∈ dims} |β_d(P > threshold) − β_d(G > 0.5)|
    ```

    with β_0 the number of 4-connected foreground components and β_1 the
    number of holes (8-connected background components not touching the
    border), i.e. the Betti numbers of the V-construction cubical complex.
    Computed on the host from the same barcodes as the Betti matching
    error. 2D maps only.

    Args:
        dims: homology dimensions, a subset of `(0, 1)`. Defaults to
            `(0, 1)`.
        threshold: binarization threshold of `y_pred`. Defaults to `0.5`.
        name: metric name. Defaults to `"betti_number_error"`.
        dtype: metric dtype. Defaults to `None`.

    Example:

    ```python
    metric = kzoo.metrics.BettiNumberError()
    metric.update_state(masks, probabilities)
    metric.result()
    ```

    References:
        - [Stucki et al., 2023](https://arxiv.org/abs/2211.15272),
          Topologically faithful image segmentation via induced matching of
          persistence barcodes (Betti number error as a baseline metric).
    """

    def __init__(
        self, dims=(0, 1), threshold=0.5, name="betti_number_error", **kw
    ):
        super().__init__(dims=dims, threshold=threshold, name=name, **kw)
