"""The Keras mask attached to a tensor (`keras.layers.Masking`, embeddings
with `mask_zero=True`, ...), on every backend.

Keras keeps masks as tensor attributes on TensorFlow and PyTorch and in a
side table on JAX; its accessor is not public API, so it is reached here,
in one place, with a plain-attribute fallback should it move.
"""

try:  # keras 3.15
    from keras.src.backend import get_keras_mask as _get_keras_mask
except ImportError:  # pragma: no cover - private Keras module moved

    def _get_keras_mask(x):
        return getattr(x, "_keras_mask", None)


def get_keras_mask(x):
    """The Keras mask of `x`, or `None` (also for non-tensors)."""
    if not (hasattr(x, "shape") and hasattr(x, "dtype")):
        return None
    return _get_keras_mask(x)
