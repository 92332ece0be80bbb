"""Poincaré-ball geometry (curvature −c) on the last axis.

Every function is written with `keras.ops` only, has finite values and
gradients at the origin (Taylor branches behind a double `where`), and writes
`artanh`/`asinh` through logarithms so that TFLite can convert it.
"""

import keras
from keras import ops

from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export
from kzoo.ops.norms import safe_norm

# Radii below this use the Taylor expansion of tanh(r)/r, artanh(r)/r.
_SMALL = 1e-4
# artanh's argument is kept below 1 − _ARTANH_EPS (float32 resolution).
_ARTANH_EPS = 1e-6


def _c(c):
    return check_positive("c", c)


def _dot(x, y):
    return ops.sum(x * y, axis=-1, keepdims=True)


def artanh(z):
    """`artanh(z)`, `z` clipped just inside (−1, 1) for its dtype (kzoo's
    internal API)."""
    # keep 1 − eps representable below 1 in half precision
    dtype = keras.backend.standardize_dtype(z.dtype)
    eps = {"bfloat16": 2.0**-7, "float16": 2.0**-10}.get(dtype, _ARTANH_EPS)
    z = ops.clip(z, -1.0 + eps, 1.0 - eps)
    return 0.5 * (ops.log1p(z) - ops.log1p(-z))


# Old private name, still imported by kzoo/losses/hyperbolic/hyp_oc.py (see
# KNOWN_EXCEPTIONS in tests/test_architecture.py); removed with that import.
_artanh = artanh


def _ratio(fn, taylor_coef, r):
    """`fn(r) / r` with the value 1 + taylor_coef·r² and slope 0 near 0."""
    small = ops.less(r, _SMALL)
    r_safe = ops.where(small, ops.ones_like(r), r)
    return ops.where(
        small, 1.0 + taylor_coef * ops.square(r), fn(r_safe) / r_safe
    )


@kzoo_export("kzoo.ops.mobius_add")
def mobius_add(x, y, c=1.0):
    """Möbius addition `x ⊕_c y` in the Poincaré ball of curvature −c.

    Formula:

    ```
    x ⊕ y = ((1 + 2c⟨x,y⟩ + c‖y‖²)·x + (1 − c‖x‖²)·y)
            / max(1 + 2c⟨x,y⟩ + c²‖x‖²‖y‖², 1e-15)
    ```

    Matches `geoopt.PoincareBall(c).mobius_add` (the Hyp-OC code adds 1e-5
    to the denominator instead of clamping it).

    Args:
        x: points `[..., D]` inside the ball (norm below 1/√c).
        y: points broadcastable to `x`.
        c: the (positive) curvature magnitude. Defaults to `1.0`.

    Returns:
        A tensor shaped like `x + y`.

    References:
        - [Ganea et al., 2018](https://arxiv.org/abs/1805.09112), Hyperbolic
          Neural Networks.
    """
    c = _c(c)
    x = ops.convert_to_tensor(x)
    y = ops.cast(ops.convert_to_tensor(y), x.dtype)
    xy = _dot(x, y)
    x2 = _dot(x, x)
    y2 = _dot(y, y)
    num = (1.0 + 2.0 * c * xy + c * y2) * x + (1.0 - c * x2) * y
    den = 1.0 + 2.0 * c * xy + c * c * x2 * y2
    return num / ops.maximum(den, 1e-15)


@kzoo_export("kzoo.ops.expmap0")
def expmap0(v, c=1.0):
    """Exponential map at the origin of the Poincaré ball.

    Formula:

    ```
    expmap0(v) = tanh(√c‖v‖) · v / (√c‖v‖)        (= v at v = 0)
    ```

    The result is not projected; see `kzoo.ops.project_to_ball`.

    Args:
        v: tangent vectors `[..., D]`.
        c: the curvature magnitude. Defaults to `1.0`.

    Returns:
        Points in the ball, shaped like `v`.

    References:
        - [Ganea et al., 2018](https://arxiv.org/abs/1805.09112)
    """
    c = _c(c)
    v = ops.convert_to_tensor(v)
    sc = c**0.5
    r = safe_norm(v, keepdims=True) * sc
    return v * _ratio(ops.tanh, -1.0 / 3.0, r)


@kzoo_export("kzoo.ops.logmap0")
def logmap0(x, c=1.0):
    """Logarithmic map at the origin, the inverse of `kzoo.ops.expmap0`.

    Formula:

    ```
    logmap0(x) = artanh(√c‖x‖) · x / (√c‖x‖)       (= x at x = 0)
    artanh(z)  = ½·(log1p(z) − log1p(−z)),  |z| clipped to 1 − 1e-6
                 (1 − 2⁻⁷ in bfloat16, 1 − 2⁻¹⁰ in float16)
    ```

    Args:
        x: points `[..., D]` in the ball.
        c: the curvature magnitude. Defaults to `1.0`.

    Returns:
        Tangent vectors shaped like `x`.

    References:
        - [Ganea et al., 2018](https://arxiv.org/abs/1805.09112)
    """
    c = _c(c)
    x = ops.convert_to_tensor(x)
    r = safe_norm(x, keepdims=True) * c**0.5
    return x * _ratio(artanh, 1.0 / 3.0, r)


@kzoo_export("kzoo.ops.poincare_distance")
def poincare_distance(x, y, c=1.0, keepdims=False):
    """Geodesic distance in the Poincaré ball.

    Formula:

    ```
    d_c(x, y) = (2/√c) · artanh(√c · ‖(−x) ⊕_c y‖)
    ```

    Matches `geoopt.PoincareBall(c).dist`. The gradient at `x = y` is 0 (not
    NaN). (The Hyp-OC code uses `arctan` in place of `artanh`; that variant
    is `kzoo.losses.HypPairwiseConfusionLoss(distance="arctan_official")`.)

    Args:
        x: points `[..., D]`.
        y: points broadcastable to `x`.
        c: the curvature magnitude. Defaults to `1.0`.
        keepdims: keep the last axis with size 1. Defaults to `False`.

    Returns:
        Distances `[...]`.

    References:
        - [Ganea et al., 2018](https://arxiv.org/abs/1805.09112)
    """
    c = _c(c)
    x = ops.convert_to_tensor(x)
    sc = c**0.5
    norm = safe_norm(mobius_add(-x, y, c), keepdims=keepdims)
    return (2.0 / sc) * _artanh(sc * norm)


@kzoo_export("kzoo.ops.project_to_ball")
def project_to_ball(x, c=1.0, epsilon=1e-3):
    """Pull points back inside the ball of radius `(1 − ε)/√c`.

    Formula:

    ```
    r_max = (1 − ε)/√c
    proj(x) = x · r_max/‖x‖   if ‖x‖ > r_max,   else x
    ```

    Hyp-OC uses ε = 1e-3 (the default); `geoopt` uses 4e-3 in float32 and
    1e-5 in float64.

    Args:
        x: points `[..., D]`.
        c: the curvature magnitude. Defaults to `1.0`.
        epsilon: relative margin to the boundary, in (0, 1). Defaults to
            `1e-3`.

    Returns:
        A tensor shaped like `x`.
    """
    c = _c(c)
    if not isinstance(epsilon, (int, float)) or not 0 < epsilon < 1:
        raise ValueError(
            f"`epsilon` must be in (0, 1). Received: epsilon={epsilon!r}"
        )
    x = ops.convert_to_tensor(x)
    max_norm = (1.0 - epsilon) / c**0.5
    norm = ops.maximum(safe_norm(x, keepdims=True), 1e-15)
    return ops.where(norm > max_norm, x / norm * max_norm, x)


@kzoo_export("kzoo.ops.clip_feature_norm")
def clip_feature_norm(x, radius=2.0):
    """Euclidean feature clipping before the exponential map (Hyp-OC).

    Formula:

    ```
    clip(x) = min(1, r/‖x‖) · x
    ```

    Bounding the Euclidean norm keeps `expmap0` away from the ball's
    boundary, where hyperbolic gradients vanish (Guo et al., 2022).

    Args:
        x: features `[..., D]`.
        radius: the largest norm r. Defaults to `2.0` (Hyp-OC's `clip_r`).

    Returns:
        A tensor shaped like `x`.

    References:
        - [Guo et al., 2022](https://arxiv.org/abs/2107.11472), Clipped
          Hyperbolic Classifiers Are Super-Hyperbolic Classifiers.
    """
    radius = check_positive("radius", radius)
    x = ops.convert_to_tensor(x)
    norm = safe_norm(x, keepdims=True)
    return x * ops.minimum(1.0, radius / ops.maximum(norm, 1e-15))
