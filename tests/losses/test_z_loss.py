import numpy as np
import pytest

import kzoo
from kzoo.testing import ClassificationLossChecklist
from kzoo.testing import numerical_gradient
from kzoo.testing import value_and_grad
from tests.reference import metric_learning as ref


class TestZLoss(ClassificationLossChecklist):
    loss_class = kzoo.losses.ZLoss
    bad_kwargs = [
        ({"a": 0.0}, r"Received: a=0.0"),
        ({"a": -2}, r"Received: a=-2"),
        ({"b": "x"}, r"Received: b='x'"),
        ({"epsilon": 0}, r"Received: epsilon=0"),
    ]


def test_hand_value():
    # PAPERS_OTHER.md §5, computed there in float64: o = [2, 0.5, -1], c = 0,
    # a = 1, b = 3 gives z_c = sqrt(1.5) and L = 1.9317803.
    loss = kzoo.losses.ZLoss(a=1.0, b=3.0, epsilon=1e-12)
    np.testing.assert_allclose(
        float(loss(np.array([0]), np.array([[2.0, 0.5, -1.0]]))),
        1.9317803,
        rtol=1e-6,
    )


@pytest.mark.parametrize("a,b", [(1.0, 3.0), (0.5, 2.0), (4.0, 1.0)])
def test_matches_float64_reference_value_and_gradient(a, b):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 6, size=9)
    x = rng.normal(scale=3.0, size=(9, 6)).astype("float32")
    loss = kzoo.losses.ZLoss(a=a, b=b, reduction="none")
    np.testing.assert_allclose(
        np.asarray(loss(y, x)), ref.z_loss(y, x, a, b), rtol=1e-5, atol=1e-6
    )
    mean_loss = kzoo.losses.ZLoss(a=a, b=b)
    _, grad = value_and_grad(lambda t: mean_loss(y, t), x)
    expected = numerical_gradient(lambda t: ref.z_loss(y, t, a, b).mean(), x)
    np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-6)


def test_shift_and_scale_invariance():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 5, size=8)
    x = rng.normal(size=(8, 5)).astype("float32")
    loss = kzoo.losses.ZLoss(a=1.0, b=3.0)
    base = float(loss(y, x))
    for scale, shift in [(3.0, 7.0), (0.5, -2.0), (10.0, 100.0)]:
        np.testing.assert_allclose(
            float(loss(y, scale * x + shift)), base, rtol=2e-5
        )


def test_probability_targets_are_an_expectation():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4)).astype("float32")
    soft = np.array(
        [[0.5, 0.5, 0, 0], [0, 0, 1, 0], [0.1, 0.2, 0.3, 0.4]], "float32"
    )
    loss = kzoo.losses.ZLoss(reduction="none")
    per_class = np.stack(
        [np.asarray(loss(np.full(3, k), x)) for k in range(4)], 1
    )
    np.testing.assert_allclose(
        np.asarray(loss(soft, x)), (soft * per_class).sum(1), rtol=1e-6
    )


def test_approaches_hinge_for_large_a():
    x = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 4.0]], "float32")
    y = np.array([0, 1])
    z = (x - x.mean(1, keepdims=True)) / x.std(1, keepdims=True)
    hinge = np.maximum(0.0, 1.5 - z[np.arange(2), y])
    got = kzoo.losses.ZLoss(a=200.0, b=1.5, reduction="none")(y, x)
    np.testing.assert_allclose(np.asarray(got), hinge, atol=5e-3)


def test_trains_a_classifier():
    # model.compile(loss=kzoo.losses.ZLoss()) must train: separable blobs.
    import keras

    rng = np.random.default_rng(0)
    centers = np.array([[4.0, 4.0], [-4.0, 4.0], [4.0, -4.0], [-4.0, -4.0]])
    y = np.repeat(np.arange(4), 32)
    x = (centers[y] + rng.normal(size=(128, 2))).astype("float32")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4)])
    model.compile(
        optimizer=keras.optimizers.Adam(0.05),
        loss=kzoo.losses.ZLoss(),
        metrics=["accuracy"],
    )
    history = model.fit(x, y, batch_size=32, epochs=15, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.9


def test_functional_twin_equals_class():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 4, size=5)
    x = rng.normal(size=(5, 4)).astype("float32")
    np.testing.assert_allclose(
        np.asarray(kzoo.losses.z_loss(y, x, a=2.0, b=1.0)),
        np.asarray(kzoo.losses.ZLoss(a=2.0, b=1.0, reduction="none")(y, x)),
        rtol=1e-6,
    )
