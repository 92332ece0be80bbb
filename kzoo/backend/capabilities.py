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


def carries_state_between_steps(variable):
    """Whether `fit` carries `variable`'s updates from one step to the next.

    Always true on TensorFlow and torch (steps assign variables). Under
    JAX's stateless training step only the model's own variables are
    mapped in the `StatelessScope`; a variable owned by something else (a
    `Loss`'s random generator, for instance) would be read afresh each step
    and its update dropped.
    """
    if not stateless_training():
        return True
    try:
        from keras.src.backend.common.stateless_scope import get_stateless_scope
    except ImportError:  # pragma: no cover - private Keras module moved
        return True
    scope = get_stateless_scope()
    return scope is None or scope.get_current_value(variable) is not None
