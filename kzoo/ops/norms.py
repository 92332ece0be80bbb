"""Norms and square roots with finite gradients everywhere."""

from keras import ops

from kzoo.api_export import kzoo_export


@kzoo_export("kzoo.ops.safe_sqrt")
def safe_sqrt(x):
    """Square root with value 0 and gradient 0 at (and below) zero.

    `ops.sqrt` has an infinite derivative at 0, which turns the gradient of
    a zero distance (an embedding compared with itself or with a duplicate) into
    NaN (keras-team/keras#9097). Negative inputs, which arise from rounding in
    `|a|² + |b|² − 2a·b`, are treated as 0.

    Formula:

    ```
    safe_sqrt(x) = sqrt(x) if x > 0 else 0
    d/dx         = 1 / (2 sqrt(x)) if x > 0 else 0
    ```

    Args:
        x: a tensor.

    Returns:
        A tensor of the same shape and dtype.
    """
    x = ops.convert_to_tensor(x)
    positive = ops.greater(x, 0)
    return ops.where(positive, ops.sqrt(ops.where(positive, x, 1)), 0)


@kzoo_export("kzoo.ops.safe_norm")
def safe_norm(x, axis=-1, keepdims=False):
    """Euclidean norm whose gradient is 0 (not NaN) at the zero vector.

    Formula:

    ```
    safe_norm(x) = safe_sqrt(Σ_i x_i²)
    ```

    Args:
        x: a tensor.
        axis: the axis to reduce. Defaults to `-1`.
        keepdims: keep the reduced axis with size 1. Defaults to `False`.

    Returns:
        The norms, a tensor with `axis` reduced.
    """
    x = ops.convert_to_tensor(x)
    return safe_sqrt(ops.sum(ops.square(x), axis=axis, keepdims=keepdims))


@kzoo_export("kzoo.ops.l2_normalize")
def l2_normalize(x, axis=-1, epsilon=1e-12):
    """Scale `x` to unit L2 norm along `axis`, like `torch`'s `normalize`.

    Formula:

    ```
    l2_normalize(x) = x / max(‖x‖₂, ε)
    ```

    A zero vector stays zero and keeps a finite gradient.

    Args:
        x: a tensor.
        axis: the axis to normalize. Defaults to `-1`.
        epsilon: lower bound on the norm. Defaults to `1e-12`.

    Returns:
        A tensor of the same shape and dtype as `x`.
    """
    x = ops.convert_to_tensor(x)
    norm = safe_norm(x, axis=axis, keepdims=True)
    return x / ops.maximum(norm, ops.cast(epsilon, x.dtype))
