"""Running exported models: `run_exported` on a `.tflite` file or a
SavedModel directory."""

import os

import numpy as np

from kzoo.api_export import kzoo_export


@kzoo_export("kzoo.export.run_exported")
def run_exported(path, x):
    """Runs an exported model on a batch and returns its outputs.

    A `.tflite` file runs through `kzoo.export.TFLiteModel` (LiteRT); a
    SavedModel directory through TensorFlow's `serve` signature (loaded for
    this call). Used by `export_model`'s check and by
    `tools/publish_presets.py`.

    Args:
        path: a `.tflite` file or a SavedModel directory.
        x: a NumPy batch for the model's single input.

    Returns:
        A list of NumPy arrays, one per output (in `keras.tree.flatten`
        order).
    """
    path = os.fspath(path)
    if not os.path.isdir(path):
        from kzoo.export.tflite_model import TFLiteModel

        y = TFLiteModel(path)(x)
        return y if isinstance(y, list) else [y]
    import tensorflow as tf

    # Keep `loaded` referenced while calling it: dropping it deletes the
    # variables its functions use.
    loaded = tf.saved_model.load(path)
    outputs = loaded.serve(tf.constant(x))
    return [np.asarray(y) for y in tf.nest.flatten(outputs)]
