"""Facts about the active backend that decide how kzoo runs a step or an
export (so that callers ask a question instead of naming a backend)."""

import keras


def stateless_training():
    """Whether Keras trains statelessly: JAX's trainer calls
    `train_step(state, data)` and expects the new state back, and the
    step's variables are values in a `StatelessScope` (`False` on
    TensorFlow and torch, whose steps assign variables)."""
    return keras.backend.backend() == "jax"


def exports_in_process():
    """Whether this process can convert a model to a SavedModel or TFLite
    itself: only on the TensorFlow backend. Elsewhere `kzoo.export` runs
    the conversion in a TensorFlow subprocess."""
    return keras.backend.backend() == "tensorflow"
