"""The shared base of the Betti matching and Betti number error metrics."""

import keras
from keras import ops

from kzoo._validation import check_number
from kzoo.backend import host_friendly
from kzoo.losses.topology.betti_matching_loss import betti_matching_host
from kzoo.losses.topology.betti_matching_loss import check_dims
from kzoo.losses.topology.betti_matching_loss import standardize_maps


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


class BinarizedTopologyMetric(keras.metrics.Mean):
    """A mean over images of a count read off their Betti matching."""

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
