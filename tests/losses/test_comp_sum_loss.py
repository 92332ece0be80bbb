import keras
import numpy as np
import pytest
import torch

import kzoo
from kzoo.testing import ClassificationLossChecklist
from kzoo.testing import numerical_gradient
from kzoo.testing import value_and_grad
from tests.reference import classification as ref


class TestCompSumLoss(ClassificationLossChecklist):
    # Parity: float64 loop reference tests/reference/classification.py
    # (comp_sum, written from Mao, Mohri & Zhong 2023, eq. of Φ^τ) and torch
    # F.cross_entropy at τ = 1 (tests below).
    loss_class = kzoo.losses.CompSumLoss
    default_kwargs = {"tau": 1.5}
    bad_kwargs = [
        ({"tau": -0.5}, r"Received: tau=-0.5"),
        ({"tau": "ce"}, r"Received: tau='ce'"),
    ]


H = np.array([[2.0, 0.5, -1.0]], "float32")


@pytest.mark.parametrize(
    "tau,expected",
    # PAPERS_OTHER.md §1, float64: h = [2, 0.5, -1], y = 0, p_y = 0.7855970.
    [(0.0, 0.2729172), (1.0, 0.2413113), (1.5, 0.2273218), (2.0, 0.2144030)],
)
def test_hand_values(tau, expected):
    got = float(kzoo.losses.CompSumLoss(tau=tau)(np.array([0]), H))
    np.testing.assert_allclose(got, expected, rtol=1e-6)


@pytest.mark.parametrize("tau", [0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
def test_matches_float64_reference_value_and_gradient(tau):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 5, size=6)
    x = rng.normal(scale=1.5, size=(6, 5)).astype("float32")
    loss = kzoo.losses.CompSumLoss(tau=tau, reduction="none")
    np.testing.assert_allclose(
        np.asarray(loss(y, x)), ref.comp_sum(y, x, tau), rtol=2e-5, atol=1e-6
    )
    mean_loss = kzoo.losses.CompSumLoss(tau=tau)
    _, grad = value_and_grad(lambda t: mean_loss(y, t), x)
    expected = numerical_gradient(lambda t: ref.comp_sum(y, t, tau).mean(), x)
    np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-6)


def test_special_cases():
    rng = np.random.default_rng(1)
    y = np.array([0, 2, 4, 1])
    x = rng.normal(size=(4, 5)).astype("float32")
    p = ref._softmax(x)[np.arange(4), y]

    def f(tau):
        return np.asarray(kzoo.losses.comp_sum(y, x, tau=tau))

    np.testing.assert_allclose(f(2.0), 1.0 - p, rtol=1e-5)
    np.testing.assert_allclose(f(1.5), ref.gce(y, x, 0.5), rtol=1e-5)
    np.testing.assert_allclose(f(1.0), ref.cross_entropy(y, x), rtol=1e-5)
    sum_exp = np.exp(x - x[np.arange(4), y][:, None]).sum(1) - 1.0
    np.testing.assert_allclose(f(0.0), sum_exp, rtol=1e-5)
    # τ = 1 against two independent cross-entropies.
    torch_ce = torch.nn.functional.cross_entropy(
        torch.tensor(x), torch.tensor(y), reduction="none"
    ).numpy()
    np.testing.assert_allclose(f(1.0), torch_ce, rtol=1e-5)
    keras_ce = keras.losses.SparseCategoricalCrossentropy(
        from_logits=True, reduction="none"
    )(y, x)
    np.testing.assert_allclose(f(1.0), np.asarray(keras_ce), rtol=1e-5)


@pytest.mark.parametrize("tau", [1.0, 1.5, 2.0])
def test_stable_for_large_logits(tau):
    # logsumexp form: a naive softmax would give p_y = 0 -> inf / nan.
    x = np.array([[1000.0, -1000.0, 0.0], [0.0, 900.0, -50.0]], "float32")
    y = np.array([1, 1])
    value, grad = value_and_grad(
        lambda t: kzoo.losses.CompSumLoss(tau=tau)(y, t), x
    )
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    per = np.asarray(kzoo.losses.comp_sum(y, x, tau=tau))
    if tau == 1.0:
        np.testing.assert_allclose(per, [2000.0, 0.0], atol=1e-3)
    elif tau == 2.0:
        np.testing.assert_allclose(per, [1.0, 0.0], atol=1e-6)


def test_small_tau_saturates_instead_of_overflowing():
    x = np.array([[500.0, -500.0, 0.0]], "float32")
    value, grad = value_and_grad(
        lambda t: kzoo.losses.CompSumLoss(tau=0.0)(np.array([1]), t), x
    )
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    np.testing.assert_allclose(value, np.expm1(80.0), rtol=1e-5)


def test_functional_twin_equals_class():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 4, size=5)
    x = rng.normal(size=(5, 4)).astype("float32")
    np.testing.assert_allclose(
        np.asarray(kzoo.losses.comp_sum(y, x, tau=0.7)),
        np.asarray(kzoo.losses.CompSumLoss(0.7, reduction="none")(y, x)),
        rtol=1e-6,
    )
