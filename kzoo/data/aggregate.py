"""Bags of instances and the Laplace label-DP mechanism for bag means."""

import numpy as np

from kzoo._validation import check_integer
from kzoo._validation import check_positive
from kzoo.api_export import kzoo_export


@kzoo_export("kzoo.data.random_bags")
def random_bags(num_samples, bag_size, seed=None):
    """Random non-overlapping bags of equal size.

    Args:
        num_samples: number of instances n.
        bag_size: instances per bag k; the last `n mod k` instances (after
            shuffling) get bag id `-1` (left out; kzoo's bag losses ignore
            negative ids).
        seed: seed of `np.random.default_rng`. Defaults to `None`.

    Returns:
        `bag_ids`, an int64 array `[n]` with ids `0 … n // k − 1`.

    Example:

    ```python
    bag_ids = kzoo.data.random_bags(len(x), bag_size=8, seed=0)
    order = np.argsort(bag_ids, kind="stable")   # batch by whole bags
    ```
    """
    check_integer("num_samples", num_samples)
    check_integer("bag_size", bag_size)
    if num_samples < 1:
        raise ValueError(
            "`num_samples` must be positive. "
            f"Received: num_samples={num_samples}"
        )
    if bag_size < 1:
        raise ValueError(
            f"`bag_size` must be positive. Received: bag_size={bag_size}"
        )
    rng = np.random.default_rng(seed)
    perm = rng.permutation(num_samples)
    ids = np.full(num_samples, -1, dtype=np.int64)
    num_bags = num_samples // bag_size
    ids[perm[: num_bags * bag_size]] = np.repeat(np.arange(num_bags), bag_size)
    return ids


@kzoo_export("kzoo.data.laplace_bag_means")
def laplace_bag_means(responses, bag_ids, epsilon, response_range, seed=None):
    """Bag means released with the Laplace mechanism (ε-label-DP).

    Each bag's mean response gets independent Laplace noise scaled to the
    sensitivity of a mean: changing one label moves the mean of a bag of
    size k by at most Δ/k, with Δ the width of the response range.

    Formula:

    ```
    ȳ_a = (1/k_a) Σ_{i∈B_a} clip(y_i, lo, hi)
    ỹ_a = ȳ_a + Laplace(0, b_a),   b_a = Δ / (k_a · ε),   Δ = hi − lo
    ```

    The noise variance `2·b_a²` shrinks as 1/k², while aggregation bias grows
    with k: the paper derives the optimal bag size from this trade-off.

    Args:
        responses: `[n]` instance responses.
        bag_ids: `[n]` integer bag ids; negative ids are left out (their
            output is `nan`).
        epsilon: privacy parameter ε > 0.
        response_range: `(lo, hi)`, the known range of a response; values
            are clipped to it before averaging.
        seed: seed of `np.random.default_rng`. Defaults to `None`.

    Returns:
        `[n]` float64 array: every instance carries its bag's noisy mean
        (ready to be stacked with `bag_ids` as `y_true` for
        `kzoo.losses.BagLoss`).

    Example:

    ```python
    noisy = kzoo.data.laplace_bag_means(y, bag_ids, epsilon=1.0,
                                        response_range=(0.0, 1.0), seed=0)
    y_true = np.stack([noisy, bag_ids], axis=1)
    ```

    References:
        - [Javanmard et al., 2024](https://arxiv.org/abs/2401.11081),
          Learning from Aggregate Responses, ICLR 2024 (label-DP section).
        - [Dwork et al., 2006](https://doi.org/10.1007/11681878_14), the
          Laplace mechanism.
    """
    check_positive("epsilon", epsilon)
    try:
        lo, hi = (float(v) for v in response_range)
    except (TypeError, ValueError):
        raise ValueError(
            "`response_range` must be a pair (lo, hi). "
            f"Received: response_range={response_range!r}"
        ) from None
    if not hi > lo:
        raise ValueError(
            "`response_range` must satisfy lo < hi. "
            f"Received: response_range={response_range!r}"
        )
    y = np.clip(np.asarray(responses, dtype=np.float64).reshape(-1), lo, hi)
    ids = np.asarray(bag_ids).reshape(-1)
    if ids.shape != y.shape:
        raise ValueError(
            "`responses` and `bag_ids` must have the same length. Received: "
            f"responses.shape={y.shape}, bag_ids.shape={ids.shape}"
        )
    out = np.full(y.shape, np.nan)
    valid = ids >= 0
    uniq, inverse, counts = np.unique(
        ids[valid], return_inverse=True, return_counts=True
    )
    sums = np.bincount(inverse, weights=y[valid], minlength=len(uniq))
    scale = (hi - lo) / (counts * float(epsilon))
    rng = np.random.default_rng(seed)
    noisy = sums / counts + rng.laplace(0.0, 1.0, size=len(uniq)) * scale
    out[valid] = noisy[inverse]
    return out
