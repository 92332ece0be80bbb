"""One host (NumPy) callback, dispatched on the Keras backend."""

import keras
import numpy as np


def host_callback(fn, inputs, output_specs, name="This computation"):
    """Call the NumPy function `fn(*arrays)` from inside a Keras computation.

    TensorFlow: `tf.numpy_function` (graph mode and `tf.function`; not
    XLA-compilable). JAX: `jax.pure_callback` (works under `jax.jit`).
    torch: a plain eager call (excluded from `torch.compile` graphs).
    The inputs are read without gradient; the outputs carry none.

    Args:
        fn: a function of NumPy arrays returning a tuple of NumPy arrays.
        inputs: a list of backend tensors.
        output_specs: a list of `(shape, dtype)`, one per output; the leading
            dimension may be `None` (taken from the first input's).
        name: what to call the caller in the XLA error message.

    Returns:
        A list of backend tensors.
    """
    backend = keras.backend.backend()
    dtypes = [np.dtype(d) for _, d in output_specs]

    def host(*arrays):
        outs = fn(*[np.asarray(a) for a in arrays])
        return tuple(np.asarray(o, d) for o, d in zip(outs, dtypes))

    if backend == "tensorflow":
        import tensorflow as tf
        from tensorflow.python.ops import control_flow_util

        graph = tf.compat.v1.get_default_graph()
        if control_flow_util.GraphOrParentsInXlaContext(graph):
            raise ValueError(
                f"{name} computes on the host through `tf.numpy_function`, "
                "which XLA cannot compile. On the TensorFlow backend, "
                "compile the model with `jit_compile=False` (Keras' default "
                "`'auto'` turns XLA on when a GPU is present). Received: "
                "jit_compile=True (an XLA context)"
            )
        tensors = [tf.stop_gradient(x) for x in inputs]
        outs = tf.numpy_function(
            host, tensors, [tf.as_dtype(d) for d in dtypes], stateful=False
        )
        batch = tensors[0].shape[0]
        for o, (shape, _) in zip(outs, output_specs):
            o.set_shape((batch,) + tuple(shape[1:]))
        return list(outs)
    if backend == "jax":
        import jax

        tensors = [jax.lax.stop_gradient(x) for x in inputs]
        batch = tensors[0].shape[0]
        specs = [
            jax.ShapeDtypeStruct((batch,) + tuple(shape[1:]), d)
            for (shape, _), d in zip(output_specs, dtypes)
        ]
        return list(
            jax.pure_callback(host, specs, *tensors, vmap_method="sequential")
        )
    if backend == "torch":
        return _torch_call(host, inputs)
    arrays = [keras.ops.convert_to_numpy(x) for x in inputs]
    return [keras.ops.convert_to_tensor(o) for o in host(*arrays)]


def _torch_call(host, inputs):
    import torch

    @torch.compiler.disable
    def call(*tensors):
        arrays = [t.detach().cpu().numpy() for t in tensors]
        device = tensors[0].device
        return [torch.as_tensor(o, device=device) for o in host(*arrays)]

    return call(*inputs)
