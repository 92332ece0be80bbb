"""Differentiable sorting networks (Petersen et al., ICML 2021 / ICLR 2022)."""

import functools
import math

import numpy as np
from keras import ops

from kzoo.api_export import kzoo_export
from kzoo.backend import jit_on_jax

NETWORKS = ("odd_even", "bitonic")
DISTRIBUTIONS = (
    "cauchy",
    "logistic",
    "logistic_phi",
    "gaussian",
    "reciprocal",
    "optimal",
)


def _odd_even_layers(n):
    """`n` layers of comparators on wires (i, i + 1), alternating offsets."""
    layers = []
    for layer in range(n):
        start = layer % 2
        layers.append([(i, i + 1, i, i + 1) for i in range(start, n - 1, 2)])
    return layers


def _bitonic_layers(n):
    """Bitonic network on the next power of two, the top wires discarded.

    A comparator touching a discarded wire is dropped (the real wire passes
    through), as in `diffsort.bitonic_network`.
    """
    blocks = max(1, math.ceil(math.log2(n))) if n > 1 else 0
    size = 2**blocks
    pad = size - n
    layers = []
    for block in range(blocks):
        for sub in range(block + 1):
            m = 2 ** (block - sub)
            comparators = []
            for i in range(0, size, 2 * m):
                for j in range(m):
                    a, b = i + j, i + j + m
                    if a < pad or b < pad:
                        continue
                    lo, hi = a, b
                    if ((i + j) // 2 ** (block + 1)) % 2 == 1:
                        lo, hi = b, a
                    comparators.append((a - pad, b - pad, lo - pad, hi - pad))
            layers.append(comparators)
    return layers


def sorting_network(network, n):
    """The comparator layers of a sorting network on `n` wires.

    Each layer is a list of `(a, b, min_to, max_to)` tuples: wires `a` and `b`
    are compared, their relaxed minimum goes to wire `min_to` and their
    maximum to `max_to`. Built in Python (static), so the traced graph has one
    block of vectorized ops per layer.
    """
    if network == "odd_even":
        return _odd_even_layers(n)
    if network == "bitonic":
        return _bitonic_layers(n)
    raise ValueError(
        f"Invalid value for argument `network`. Expected one of {NETWORKS}. "
        f"Received: network={network!r}"
    )


def _best_sigmoid(v):
    # diffsort's "optimal" monotonic sigmoid (Petersen et al., ICLR 2022).
    clipped = ops.clip(v, -0.25, 0.25) + 0.5
    outside = ops.cast(ops.greater(v, 0.25), v.dtype) - ops.cast(
        ops.less(v, -0.25), v.dtype
    )
    return clipped + outside * (0.25 - 1.0 / 16.0 / (ops.abs(v) + 1e-10))


def _swap_probability(a, b, steepness, distribution, art_lambda):
    """α = P(a ≤ b): the weight of `a` in the relaxed minimum."""
    d = b - a
    if distribution == "logistic":
        return ops.sigmoid(steepness * d)
    if distribution == "logistic_phi":
        scale = ops.power(ops.abs(d) + 1e-10, art_lambda)
        return ops.sigmoid(steepness * d / scale)
    if distribution == "gaussian":
        return 0.5 + 0.5 * ops.erf(steepness * d / math.sqrt(2.0))
    v = steepness * d
    if distribution == "reciprocal":
        return 0.5 * (v / (2.0 + ops.abs(v)) + 1.0)
    if distribution == "cauchy":
        return ops.arctan(v) / math.pi + 0.5
    return _best_sigmoid(v)  # "optimal"


@kzoo_export("kzoo.ops.diffsort")
def diffsort(
    x,
    network="odd_even",
    steepness=10.0,
    distribution="cauchy",
    art_lambda=0.25,
):
    """Relaxed ascending sort of the last axis with a sorting network.

    Every comparator of a (static) odd-even or bitonic sorting network is
    replaced by a soft one: with `α = F(steepness·(b − a))` for a sigmoid `F`,
    `min ≈ α·a + (1 − α)·b` and `max ≈ (1 − α)·a + α·b`. The same mixing,
    applied to the rows of an identity matrix, accumulates a doubly
    stochastic relaxed permutation matrix `P`.

    Formula (one comparator; the network applies them layer by layer):

    ```
    α = F(s·(b − a)),   F ∈ {cauchy: ½ + arctan(v)/π,  logistic: σ(v),
                             logistic_phi: σ(v / (|b − a| + 1e-10)^λ),
                             gaussian: Φ(v),  reciprocal: ½(v/(2 + |v|) + 1),
                             optimal: the ICLR 2022 optimal monotonic sigmoid}
    sorted = P @ x      (P[..., r, c]: weight of input c at rank r)
    ```

    `P` follows the paper: rows are output ranks. The `diffsort` package
    returns its transpose (`x_sorted = x @ P_diffsort`), so
    `P_diffsort = swapaxes(P, -1, -2)`. Values and gradients equal
    `diffsort` 0.2.0's `DiffSortNet` (tested on every backend). Cauchy,
    reciprocal and optimal are monotonic relaxations (error-bounded, ICLR
    2022); logistic is the ICML 2021 one.

    The network is built in Python at trace time (its size is the static last
    dimension); only the loop over its layers is unrolled, never a loop over
    the batch. Computation is in float32.

    Args:
        x: float tensor `[..., n]` with a static `n`.
        network: `"odd_even"` (n layers) or `"bitonic"` (about
            ½·log₂n·(log₂n + 1) layers, padded to a power of two). Defaults
            to `"odd_even"`.
        steepness: inverse temperature `s` of the relaxation (positive).
            Defaults to `10.0` (diffsort's default; GroCo uses 1).
        distribution: the sigmoid `F`, one of `"cauchy"`, `"logistic"`,
            `"logistic_phi"`, `"gaussian"`, `"reciprocal"`, `"optimal"`.
            Defaults to `"cauchy"`.
        art_lambda: the exponent `λ` of `"logistic_phi"`. Defaults to `0.25`.

    Returns:
        `(sorted_values, permutation)`: `[..., n]` and `[..., n, n]`.

    Example:

    ```python
    values, perm = kzoo.ops.diffsort([[0.3, 0.1, 0.2]], steepness=20.0)
    ```

    References:
        - [Petersen et al., 2021](https://arxiv.org/abs/2105.04019),
          Differentiable Sorting Networks for Scalable Sorting and Ranking
          Supervision.
        - [Petersen et al., 2022](https://arxiv.org/abs/2203.09630),
          Monotonic Differentiable Sorting Networks.
    """
    from kzoo._validation import check_positive

    steepness = check_positive("steepness", steepness)
    art_lambda = check_positive("art_lambda", art_lambda)
    if distribution not in DISTRIBUTIONS:
        raise ValueError(
            "Invalid value for argument `distribution`. Expected one of "
            f"{DISTRIBUTIONS}. Received: distribution={distribution!r}"
        )
    x = ops.cast(ops.convert_to_tensor(x), "float32")
    n = x.shape[-1]
    if n is None:
        raise ValueError(
            "`x` must have a static last dimension. "
            f"Received: x.shape={tuple(x.shape)}"
        )
    sorting_network(network, 2)  # validates `network`
    return _compiled_sort(network, steepness, distribution, art_lambda)(x)


@functools.lru_cache(maxsize=64)
def _compiled_sort(network, steepness, distribution, art_lambda):
    # The unrolled network is many small ops: on JAX, compiled as one unit
    # it avoids op-by-op dispatch in eager mode (nesting inside jit is fine).
    return jit_on_jax(
        functools.partial(
            _sort,
            network=network,
            steepness=steepness,
            distribution=distribution,
            art_lambda=art_lambda,
        )
    )


def _sort(x, network, steepness, distribution, art_lambda):
    n = x.shape[-1]
    layers = sorting_network(network, n)
    # Q[..., c, w]: weight of input c on wire w (diffsort's convention).
    q = ops.broadcast_to(
        ops.eye(n, dtype="float32"), tuple(ops.shape(x)) + (n,)
    )
    for comparators in layers:
        if not comparators:
            continue
        ia = [c[0] for c in comparators]
        ib = [c[1] for c in comparators]
        used = set(ia) | set(ib)
        rest = [w for w in range(n) if w not in used]
        dest = [c[2] for c in comparators] + [c[3] for c in comparators] + rest
        inverse = [0] * n
        for pos, wire in enumerate(dest):
            inverse[wire] = pos
        # NumPy indices: Python lists make torch.compile trace Keras' dtype
        # promotion cache.
        ia, ib = np.array(ia, "int32"), np.array(ib, "int32")
        rest, inverse = np.array(rest, "int32"), np.array(inverse, "int32")
        a = ops.take(x, ia, axis=-1)
        b = ops.take(x, ib, axis=-1)
        alpha = _swap_probability(a, b, steepness, distribution, art_lambda)
        lo = alpha * a + (1.0 - alpha) * b
        hi = (1.0 - alpha) * a + alpha * b
        parts = [lo, hi]
        qa = ops.take(q, ia, axis=-1)
        qb = ops.take(q, ib, axis=-1)
        al = ops.expand_dims(alpha, -2)
        q_parts = [al * qa + (1.0 - al) * qb, (1.0 - al) * qa + al * qb]
        if rest.size:
            parts.append(ops.take(x, rest, axis=-1))
            q_parts.append(ops.take(q, rest, axis=-1))
        x = ops.take(ops.concatenate(parts, axis=-1), inverse, axis=-1)
        q = ops.take(ops.concatenate(q_parts, axis=-1), inverse, axis=-1)
    return x, ops.swapaxes(q, -1, -2)
