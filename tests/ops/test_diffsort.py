"""kzoo.ops.diffsort against the `diffsort` 0.2.0 package (run inline, torch,
float64), value and gradient, every network and relaxation."""

import keras
import numpy as np
import pytest
import torch
from diffsort import DiffSortNet

import kzoo
from kzoo.ops.sorting import DISTRIBUTIONS
from kzoo.testing import value_and_grad
from kzoo.testing.gradients import directional_derivative


def _np(x):
    return keras.ops.convert_to_numpy(x)


def _reference(x, network, steepness, distribution, wv, wp):
    """diffsort's (sorted, P) and the gradient of Σ wv·sorted + Σ wp·Pᵀ."""
    t = torch.tensor(np.asarray(x, np.float64), requires_grad=True)
    sorter = DiffSortNet(
        network, x.shape[-1], steepness=steepness, distribution=distribution
    )
    values, perm = sorter(t)
    perm_t = perm.transpose(-1, -2)  # diffsort's P is transposed
    objective = (values * torch.tensor(wv)).sum() + (
        perm_t * torch.tensor(wp)
    ).sum()
    objective.backward()
    return (
        values.detach().numpy(),
        perm_t.detach().numpy(),
        t.grad.numpy(),
    )


CASES = [("odd_even", 5, d) for d in DISTRIBUTIONS] + [
    ("odd_even", 2, "cauchy"),
    ("odd_even", 8, "logistic"),
    ("bitonic", 5, "cauchy"),
    ("bitonic", 8, "reciprocal"),
]


@pytest.mark.parametrize("network,n,distribution", CASES)
def test_matches_diffsort_package(network, n, distribution):
    rng = np.random.default_rng(n)
    x = rng.normal(size=(3, n)).astype("float32")
    wv = rng.normal(size=(3, n))
    wp = rng.normal(size=(3, n, n))
    values, perm, grad = _reference(x, network, 2.0, distribution, wv, wp)
    got_v, got_p = kzoo.ops.diffsort(x, network, 2.0, distribution)
    np.testing.assert_allclose(_np(got_v), values, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(got_p), perm, rtol=1e-5, atol=1e-6)

    def objective(t):
        v, p = kzoo.ops.diffsort(t, network, 2.0, distribution)
        wv_t = keras.ops.convert_to_tensor(wv, "float32")
        wp_t = keras.ops.convert_to_tensor(wp, "float32")
        return keras.ops.sum(v * wv_t) + keras.ops.sum(p * wp_t)

    _, got_grad = value_and_grad(objective, x)
    np.testing.assert_allclose(got_grad, grad, rtol=1e-4, atol=1e-5)


def test_permutation_is_doubly_stochastic_and_sorts():
    x = np.random.default_rng(0).normal(size=(4, 7)).astype("float32")
    values, perm = kzoo.ops.diffsort(x, "bitonic", steepness=50.0)
    values, perm = _np(values), _np(perm)
    np.testing.assert_allclose(perm.sum(-1), 1.0, atol=1e-5)
    np.testing.assert_allclose(perm.sum(-2), 1.0, atol=1e-5)
    np.testing.assert_allclose(
        np.einsum("brc,bc->br", perm, x), values, atol=1e-5
    )
    # Steep relaxation: close to the hard sort.
    np.testing.assert_allclose(values, np.sort(x, axis=-1), atol=0.05)


def test_gradient_matches_finite_differences_and_batch_of_one():
    x = np.array([[0.3, -0.2, 0.9, 0.1]], "float32")

    def f(t):
        v, p = kzoo.ops.diffsort(t, steepness=3.0)
        return keras.ops.sum(v * keras.ops.arange(4.0)) + p[0, 3, 0]

    _, grad = value_and_grad(f, x)
    d = np.array([[0.5, -0.1, 0.3, 0.8]], "float32")
    numeric = directional_derivative(
        lambda t: float(_np(f(t))), x, d / np.linalg.norm(d)
    )
    np.testing.assert_allclose(
        np.sum(grad * d / np.linalg.norm(d)), numeric, rtol=1e-2, atol=1e-3
    )
    # A single element is returned unchanged with P = [[1]] (diffsort itself
    # fails on n = 1); ties give finite gradients.
    v, p = kzoo.ops.diffsort(np.ones((2, 1), "float32"))
    np.testing.assert_array_equal(_np(p), np.ones((2, 1, 1)))
    _, g = value_and_grad(
        lambda t: keras.ops.sum(kzoo.ops.diffsort(t)[0]),
        np.zeros((2, 4), "float32"),
    )
    assert np.all(np.isfinite(g))


def test_jit_compiles():
    x = np.random.default_rng(1).normal(size=(2, 6)).astype("float32")
    expected = _np(kzoo.ops.diffsort(x)[1])
    if keras.backend.backend() == "jax":
        import jax

        got = jax.jit(lambda t: kzoo.ops.diffsort(t)[1])(x)
    elif keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        got = tf.function(lambda t: kzoo.ops.diffsort(t)[1], jit_compile=True)(
            x
        )
    else:
        pytest.skip("torch.compile of a bare op is covered by the GroCo fit")
    np.testing.assert_allclose(_np(got), expected, rtol=1e-5, atol=1e-6)


def test_bad_arguments_raise():
    x = np.zeros((2, 3), "float32")
    with pytest.raises(ValueError, match="Received: network='merge'"):
        kzoo.ops.diffsort(x, network="merge")
    with pytest.raises(ValueError, match="Received: distribution='x'"):
        kzoo.ops.diffsort(x, distribution="x")
    with pytest.raises(ValueError, match="Received: steepness=0"):
        kzoo.ops.diffsort(x, steepness=0)
