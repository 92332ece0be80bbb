"""Backend-dispatched differentiation and finite differences."""

import keras
import numpy as np


def _is_float(a):
    return np.issubdtype(np.asarray(a).dtype, np.floating)


def value_and_grad(fn, *args, argnums=0):
    """Value and gradient of a scalar function on the active Keras backend.

    `fn` is called with backend tensors made from the NumPy `args` and must
    return a scalar. Arguments not in `argnums` (labels, for instance) are
    passed through as tensors without gradient.

    Args:
        fn: function of backend tensors returning a scalar.
        *args: NumPy arrays (or anything `np.asarray` accepts).
        argnums: index or tuple of indices of the float arguments to
            differentiate. Defaults to `0`.

    Returns:
        `(value, grads)`: a Python float and a NumPy array (a tuple of arrays
        when `argnums` is a tuple). A gradient that does not depend on the
        argument is returned as zeros.
    """
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    args = [np.asarray(a) for a in args]
    for i in nums:
        if not _is_float(args[i]):
            raise ValueError(
                f"Argument {i} must be a float array to be differentiated. "
                f"Received: dtype={args[i].dtype}"
            )
    backend = keras.backend.backend()
    if backend == "jax":
        import jax
        import jax.numpy as jnp

        tensors = [jnp.asarray(a) for a in args]

        def wrapped(*diff):
            full = list(tensors)
            for i, d in zip(nums, diff):
                full[i] = d
            return fn(*full)

        value, grads = jax.value_and_grad(
            wrapped, argnums=tuple(range(len(nums)))
        )(*[tensors[i] for i in nums])
        grads = [np.asarray(g) for g in grads]
    elif backend == "tensorflow":
        import tensorflow as tf

        tensors = [tf.convert_to_tensor(a) for a in args]
        with tf.GradientTape() as tape:
            for i in nums:
                tape.watch(tensors[i])
            value = fn(*tensors)
        raw = tape.gradient(value, [tensors[i] for i in nums])
        grads = [
            np.zeros_like(args[i]) if g is None else np.asarray(g)
            for i, g in zip(nums, raw)
        ]
    elif backend == "torch":
        import torch

        tensors = [torch.from_numpy(np.array(a)) for a in args]
        for i in nums:
            tensors[i].requires_grad_(True)
        value = fn(*tensors)
        if value.requires_grad:
            raw = torch.autograd.grad(
                value, [tensors[i] for i in nums], allow_unused=True
            )
        else:  # nothing differentiable reached the output
            raw = [None] * len(nums)
        grads = [
            np.zeros_like(args[i]) if g is None else g.detach().cpu().numpy()
            for i, g in zip(nums, raw)
        ]
    else:
        raise ValueError(
            "value_and_grad supports the jax, tensorflow and torch backends. "
            f"Received: backend={backend!r}"
        )
    value = float(keras.ops.convert_to_numpy(value))
    return value, (grads[0] if single else tuple(grads))


def numerical_gradient(fn, x, eps=1e-6):
    """Central finite-difference gradient of a scalar NumPy function.

    Meant for float64 reference functions (`eps` about 1e-6).

    Args:
        fn: function of one NumPy array returning a float.
        x: the point.
        eps: the step. Defaults to `1e-6`.

    Returns:
        An array shaped like `x`.
    """
    # A C-ordered copy: `reshape(-1)` must be a view for the in-place
    # perturbation (a Fortran-ordered or strided input would make it a copy).
    x = np.array(x, dtype=np.float64, order="C")
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for k in range(flat.size):
        old = flat[k]
        flat[k] = old + eps
        up = fn(x)
        flat[k] = old - eps
        down = fn(x)
        flat[k] = old
        gflat[k] = (up - down) / (2 * eps)
    return grad


def directional_derivative(fn, x, direction, eps=1e-3):
    """Central difference of `fn` along `direction` (for float32 functions).

    Args:
        fn: function of one NumPy array returning a float.
        x: the point.
        direction: an array shaped like `x`.
        eps: the step. Defaults to `1e-3`.

    Returns:
        `(fn(x + eps·d) − fn(x − eps·d)) / (2 eps)`.
    """
    x = np.asarray(x)
    d = np.asarray(direction, dtype=x.dtype)
    return (fn(x + eps * d) - fn(x - eps * d)) / (2 * eps)
