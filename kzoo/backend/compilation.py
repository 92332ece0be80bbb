"""How kzoo functions meet each backend's compiler.

- `is_compiling()`: whether torch's `torch.compile` (Dynamo) is tracing the
  current call (always `False` on JAX and TensorFlow).
- `eager_on_torch(fn)`: keeps `fn` out of `torch.compile` graphs on torch
  (`torch.compiler.disable`); `fn` itself elsewhere.
- `jit_on_jax(fn, static_argnames)`: `jax.jit(fn)` on JAX, so that eager
  calls of a function made of many small ops compile once instead of
  dispatching op by op (inside a traced step it is simply inlined); `fn`
  itself elsewhere.
- `host_friendly(fn, static_argnames)`: for a function that makes a host
  callback: `jit_on_jax` on JAX, `eager_on_torch` on torch, `fn` on
  TensorFlow.
"""

import keras


def is_compiling():
    """Whether `torch.compile` is tracing the current call (torch only)."""
    if keras.backend.backend() != "torch":
        return False
    import torch

    return torch.compiler.is_compiling()


def eager_on_torch(fn):
    """Keep `fn` out of `torch.compile` graphs on the torch backend.

    A host callback breaks a compiled graph anyway; running the whole
    function eagerly avoids compiling the fragments around it. Autograd is
    unaffected. On JAX and TensorFlow, `fn` is returned unchanged.
    """
    if keras.backend.backend() != "torch":
        return fn
    import torch

    return torch.compiler.disable(fn)


def jit_on_jax(fn, static_argnames=()):
    """`jax.jit(fn, static_argnames=...)` on JAX; `fn` elsewhere."""
    if keras.backend.backend() != "jax":
        return fn
    import jax

    return jax.jit(fn, static_argnames=static_argnames)


def host_friendly(fn, static_argnames=()):
    """Wrap a function that makes a host callback, per backend.

    JAX: `jax.jit` with the given static arguments, so that eager calls
    compile the whole function once instead of dispatching (and compiling)
    op by op; inside a traced train step it is simply inlined. torch: kept
    out of `torch.compile` graphs (`eager_on_torch`). TensorFlow: unchanged.
    """
    backend = keras.backend.backend()
    if backend == "jax":
        return jit_on_jax(fn, static_argnames=static_argnames)
    if backend == "torch":
        return eager_on_torch(fn)
    return fn
