"""Distribution helpers; the one place in kzoo that branches on the backend."""

import keras


def num_replicas_in_sync():
    """Number of replicas a loss value is averaged over.

    On TensorFlow this is `tf.distribute.get_strategy().num_replicas_in_sync`
    (Keras scales mean-reduced losses by its inverse). JAX's
    `keras.distribution` hands a loss the global batch, and torch has no
    strategy object, so both count one replica.
    """
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.distribute.get_strategy().num_replicas_in_sync
    return 1
