"""Custom gradients and vector-Jacobian products on every backend.

`keras.ops.custom_gradient` covers TensorFlow and JAX, but on torch it
instantiates an `autograd.Function`, which `torch.compile` rejects, and it
hands the backward pass the saved inputs in an order of its own. kzoo's
streamed and fused kernels need one contract on every backend, so this module
dispatches on `keras.backend.backend()`:

- `custom_vjp(forward, backward)`: `forward(*args) -> (out, residuals)` and
  `backward(residuals, upstream) -> grads` (one per argument, `None` for an
  argument without gradient). Built on `jax.custom_vjp`,
  `tf.custom_gradient` and a `torch.autograd.Function`.
- `vjp(fn, *primals) -> (out, pullback)`: the value of `fn` and a function
  mapping an output cotangent to the cotangents of `primals` (`jax.vjp`,
  `tf.GradientTape`, `torch.autograd.grad`). Used inside backward passes to
  differentiate a recomputed tile.
- `value_and_grads(fn, args) -> (value, grads, aux)`: value and gradient of
  a `(scalar, aux)` function with respect to a list of independent leaves,
  with nothing of the graph returned (`jax.value_and_grad`,
  `tf.GradientTape`, `torch.autograd.grad`). Used by training steps that
  need gradients inside the step (`kzoo.training`).
- `no_grad()`: a context in which tensor updates are not recorded by
  autograd (`torch.no_grad()`; nothing to do on JAX and TensorFlow).
"""

import contextlib

import keras
from keras import ops


def _backend():
    return keras.backend.backend()


def custom_vjp(forward, backward):
    """A function with the value of `forward` and the gradient `backward`.

    The backend's implementation is built on the first call (and once per
    backend), so a `custom_vjp` can be defined at module level without
    importing JAX or torch.

    Args:
        forward: `forward(*args) -> (out, residuals)`; `out` a single tensor,
            `residuals` a tuple of tensors kept for the backward pass.
        backward: `backward(residuals, upstream) -> tuple` of gradients, one
            per argument of `forward` (`None` where there is none).

    Returns:
        A function of the same arguments as `forward`, returning `out`.
    """
    built = {}

    def fn(*args):
        backend = _backend()
        if backend not in built:
            built[backend] = _build_custom_vjp(backend, forward, backward)
        return built[backend](*args)

    return fn


def _build_custom_vjp(backend, forward, backward):
    if backend == "jax":
        import jax
        import jax.numpy as jnp
        import numpy as np

        @jax.custom_vjp
        def f(*args):
            return forward(*args)[0]

        def fwd(*args):
            out, res = forward(*args)
            return out, (res, args)

        def zero(a):
            if jnp.issubdtype(a.dtype, jnp.inexact):
                return jnp.zeros_like(a)
            return np.zeros(a.shape, dtype=jax.dtypes.float0)

        def bwd(saved, g):
            res, args = saved
            grads = backward(res, g)
            return tuple(
                zero(a) if d is None else d for a, d in zip(args, grads)
            )

        f.defvjp(fwd, bwd)
        return f
    if backend == "tensorflow":
        import tensorflow as tf

        @tf.custom_gradient
        def f(*args):
            out, res = forward(*args)

            def grad(upstream):
                return list(backward(res, upstream))

            return out, grad

        return f
    if backend == "torch":
        import torch

        class _Function(torch.autograd.Function):
            @staticmethod
            def forward(ctx, *args):
                out, res = forward(*args)
                ctx.save_for_backward(*res)
                return out

            @staticmethod
            def backward(ctx, upstream):
                return tuple(backward(tuple(ctx.saved_tensors), upstream))

        # Dynamo (torch 2.13) warns on every traced autograd.Function; run
        # the kernel eagerly inside compiled code instead (a graph break).
        return torch.compiler.disable(_Function.apply)
    raise NotImplementedError(f"Unsupported backend: {backend}")


def vjp(fn, *primals):
    """Value of `fn(*primals)` and its pullback.

    Args:
        fn: a function of tensors returning one tensor.
        *primals: the float tensors to differentiate with respect to.

    Returns:
        `(out, pullback)` where `pullback(cotangent)` returns a tuple of
        gradients, one per primal (zeros where `out` does not depend on it).
    """
    backend = _backend()
    if backend == "jax":
        import jax

        out, pull = jax.vjp(fn, *primals)
        return out, pull
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            for p in primals:
                tape.watch(p)
            out = fn(*primals)

        def pullback(ct):
            grads = tape.gradient(out, list(primals), output_gradients=ct)
            return tuple(
                tf.zeros_like(p) if g is None else g
                for p, g in zip(primals, grads)
            )

        return out, pullback
    if backend == "torch":
        import torch

        with torch.enable_grad():
            leaves = [p.detach().requires_grad_(True) for p in primals]
            out = fn(*leaves)

        def pullback(ct):
            with torch.enable_grad():
                grads = torch.autograd.grad(out, leaves, ct, allow_unused=True)
            return tuple(
                torch.zeros_like(p) if g is None else g
                for p, g in zip(leaves, grads)
            )

        return out.detach(), pullback
    raise NotImplementedError(f"Unsupported backend: {backend}")


def value_and_grads(fn, args):
    """Value and gradient of `fn(args) -> (scalar, aux)` w.r.t. a list.

    Dispatches to `jax.value_and_grad`, `tf.GradientTape` or
    `torch.autograd.grad`. The arguments are treated as independent leaves
    (no gradient flows back into whatever produced them), and the returned
    value, gradients and `aux` carry no graph. A gradient that does not
    depend on an argument is zeros.

    Args:
        fn: function of a list of tensors returning `(value, aux)`.
        args: list of tensors.

    Returns:
        `(value, grads, aux)` with `grads` a list shaped like `args`.
    """
    backend = _backend()
    args = list(args)
    if backend == "jax":
        import jax

        (value, aux), grads = jax.value_and_grad(fn, has_aux=True)(args)
        return value, list(grads), jax.lax.stop_gradient(aux)
    if backend == "tensorflow":
        import tensorflow as tf

        args = [tf.identity(ops.convert_to_tensor(a)) for a in args]
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(args)
            value, aux = fn(args)
        grads = tape.gradient(value, args)
        grads = [
            tf.zeros_like(a) if g is None else g for a, g in zip(args, grads)
        ]
        return (
            tf.stop_gradient(value),
            grads,
            keras.tree.map_structure(
                lambda t: None if t is None else tf.stop_gradient(t), aux
            ),
        )
    if backend == "torch":
        import torch

        args = [
            ops.convert_to_tensor(a).detach().requires_grad_(True) for a in args
        ]
        with torch.enable_grad():
            value, aux = fn(args)
            grads = torch.autograd.grad(value, args, allow_unused=True)
        grads = [
            torch.zeros_like(a) if g is None else g for a, g in zip(args, grads)
        ]
        aux = keras.tree.map_structure(
            lambda t: t.detach() if isinstance(t, torch.Tensor) else t, aux
        )
        return value.detach(), grads, aux
    raise ValueError(
        "kzoo.training supports the jax, tensorflow and torch backends. "
        f"Received: backend={backend!r}"
    )


def no_grad():
    """A context manager in which updates are not recorded by autograd.

    `torch.no_grad()` on torch (optimizer updates and variable assignments
    made by a hand-written train step); a no-op context elsewhere.
    """
    if _backend() == "torch":
        import torch

        return torch.no_grad()
    return contextlib.nullcontext()
