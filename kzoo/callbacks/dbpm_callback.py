"""`DBPMCallback`: advances the epoch of `kzoo.layers.DBPMReweight`."""

import keras

from kzoo.api_export import kzoo_export
from kzoo.layers import DBPMReweight


@kzoo_export("kzoo.callbacks.DBPMCallback")
class DBPMCallback(keras.callbacks.Callback):
    """Advance DBPM's epoch: calls `update_thresholds(epoch)` of every
    `kzoo.layers.DBPMReweight` in the model (or of the given layers) in
    `on_epoch_begin`.

    Args:
        layers: `DBPMReweight` layers, or `None` to find them in the model.
            Defaults to `None`.

    Example:

    ```python
    model.fit(x, epochs=80, callbacks=[kzoo.callbacks.DBPMCallback()])
    ```
    """

    def __init__(self, layers=None):
        super().__init__()
        self.dbpm_layers = None if layers is None else list(layers)

    def _layers(self):
        if self.dbpm_layers is not None:
            return self.dbpm_layers
        return [
            layer
            for layer in self.model._flatten_layers(include_self=False)
            if isinstance(layer, DBPMReweight)
        ]

    def on_epoch_begin(self, epoch, logs=None):
        for layer in self._layers():
            layer.update_thresholds(epoch)
