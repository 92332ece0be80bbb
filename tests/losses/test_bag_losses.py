"""BagLoss / InstanceLoss / InterpolatingBagLoss and kzoo.data bag utilities
(Javanmard et al., ICLR 2024).

No official code is public (PAPERS_OTHER.md §6). Parity: float64 loops over
bags written from the paper's definitions (tests/reference/robust.py), the
closed-form identity L_inst = L_bag + R for squared loss and equal bag sizes
(checked in PAPERS_OTHER.md Appendix A with m = 7 bags of k = 4), and, for
the Laplace mechanism, the Laplace variance 2·(Δ/(kε))².
"""

import os

import keras
import numpy as np
import pytest

import kzoo
from kzoo.testing import numerical_gradient
from kzoo.testing import value_and_grad
from tests.reference import robust as ref

CLASSES = [
    kzoo.losses.BagLoss,
    kzoo.losses.InstanceLoss,
    kzoo.losses.InterpolatingBagLoss,
]


def _bags(m=7, k=4, seed=0, shuffle=True):
    rng = np.random.default_rng(seed)
    bag_id = np.repeat(np.arange(m), k)
    if shuffle:
        bag_id = rng.permutation(bag_id)
    response = rng.normal(size=m * k)
    pred = rng.normal(size=m * k)
    return response, bag_id, pred


def _y(response, bag_id):
    return np.stack([response, bag_id], 1).astype("float32")


def _value(loss, y, p):
    return float(keras.ops.convert_to_numpy(loss(y, p)))


def test_identity_instance_equals_bag_plus_within_bag_variance():
    response, bag_id, pred = _bags()
    y, p = _y(response, bag_id), pred.astype("float32")
    bag = _value(kzoo.losses.BagLoss(), y, p)
    inst = _value(kzoo.losses.InstanceLoss(), y, p)
    l_bag, l_inst, r = ref.bag_losses(response, bag_id, pred)
    np.testing.assert_allclose([bag, inst], [l_bag, l_inst], rtol=1e-5)
    np.testing.assert_allclose(inst - bag, r, rtol=1e-4)
    for rho in (0.0, 0.3, 1.0):
        got = _value(kzoo.losses.InterpolatingBagLoss(rho=rho), y, p)
        np.testing.assert_allclose(got, l_bag + rho * r, rtol=1e-5)


def test_value_and_gradient_match_float64_loops_unequal_bags_and_padding():
    rng = np.random.default_rng(1)
    bag_id = np.array([0, 0, 0, 1, 1, 2, 3, 3, 3, 3, -1, -1])
    response = rng.uniform(size=12)
    pred = rng.uniform(0.1, 0.9, size=12)
    y = _y(response, bag_id)
    for cls in CLASSES:
        loss = cls()

        def reference(f):
            l_bag, l_inst, _ = ref.bag_losses(response, bag_id, f)
            if cls is kzoo.losses.BagLoss:
                return l_bag
            if cls is kzoo.losses.InstanceLoss:
                return l_inst
            return 0.5 * l_bag + 0.5 * l_inst

        value, grad = value_and_grad(
            lambda t: loss(y, t), pred.astype("float32")
        )
        np.testing.assert_allclose(value, reference(pred), rtol=1e-5)
        np.testing.assert_allclose(
            grad, numerical_gradient(reference, pred), rtol=1e-4, atol=1e-6
        )
        assert np.all(grad[-2:] == 0.0)  # padding rows get no gradient
    # binary cross-entropy on probabilities
    for cls, index in ((kzoo.losses.BagLoss, 0), (kzoo.losses.InstanceLoss, 1)):
        got = _value(cls(loss="binary_crossentropy"), y, pred[:, None])
        expected = ref.bag_bce(response, bag_id, pred)[index]
        np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_instance_responses_are_averaged_per_bag():
    response, bag_id, pred = _bags(seed=2)
    means = np.array([response[bag_id == b].mean() for b in bag_id])
    for cls in CLASSES:
        a = _value(cls(), _y(response, bag_id), pred.astype("float32"))
        b = _value(cls(), _y(means, bag_id), pred.astype("float32"))
        np.testing.assert_allclose(a, b, rtol=1e-5)


@pytest.mark.parametrize("case", ["batch_of_one", "all_padding", "one_bag"])
def test_degenerate_batches_are_finite(case):
    response, bag_id, pred = _bags(m=2, k=3)
    if case == "batch_of_one":
        response, bag_id, pred = response[:1], bag_id[:1], pred[:1]
    elif case == "all_padding":
        bag_id = -np.ones_like(bag_id)
    else:
        bag_id = np.zeros_like(bag_id)
    y = _y(response, bag_id)
    for cls in CLASSES:
        value, grad = value_and_grad(
            lambda t: cls()(y, t), pred.astype("float32")
        )
        assert np.isfinite(value) and np.all(np.isfinite(grad)), (cls, case)


def test_mixed_precision_config_and_bad_arguments(tmp_path):
    response, bag_id, pred = _bags()
    y = _y(response, bag_id)
    expected = _value(kzoo.losses.InterpolatingBagLoss(rho=0.2), y, pred)
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        loss = kzoo.losses.InterpolatingBagLoss(rho=0.2)
        out = loss(y, keras.ops.cast(pred, "bfloat16"))
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
        np.testing.assert_allclose(
            float(keras.ops.convert_to_numpy(out)), expected, rtol=2e-2
        )
    finally:
        keras.config.set_dtype_policy("float32")
    for cls in CLASSES:
        loss = cls(loss="binary_crossentropy")
        restored = keras.losses.deserialize(keras.losses.serialize(loss))
        assert type(restored) is cls
        assert restored.get_config() == loss.get_config()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(
        optimizer="sgd", loss=kzoo.losses.InterpolatingBagLoss(rho=0.7)
    )
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    assert keras.saving.load_model(path).loss.rho == 0.7
    with pytest.raises(ValueError, match="Received: rho=-0.1"):
        kzoo.losses.InterpolatingBagLoss(rho=-0.1)
    with pytest.raises(ValueError, match="Received: loss='hinge'"):
        kzoo.losses.BagLoss(loss="hinge")
    with pytest.raises(ValueError, match="y_true"):
        kzoo.losses.BagLoss()(response[:, None], pred)
    with pytest.raises(ValueError, match="y_pred"):
        kzoo.losses.BagLoss()(y, np.stack([pred, pred], 1))


@pytest.mark.requires_trainable_backend
@pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
def test_fit_smoke(jit_compile):
    # Bags of 4 aligned with batches of 16 (shuffle=False); only bag means
    # are given. Convergence to the instance-level model is shown by
    # tools/reproduce/aggregate_responses_rho.py.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32")
    w = np.array([1.0, -2.0, 0.5], "float32")
    bag_id = np.repeat(np.arange(8), 4)
    means = np.repeat((x @ w).reshape(8, 4).mean(1), 4)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(
        optimizer=keras.optimizers.Adam(0.1),
        loss=kzoo.losses.InterpolatingBagLoss(rho=0.5),
        jit_compile=jit_compile,
    )
    history = model.fit(
        x, _y(means, bag_id), batch_size=16, epochs=3, shuffle=False,
        verbose=0,
    )  # fmt: skip
    losses = history.history["loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]


def test_laplace_bag_means_noise_scale_and_seed():
    n, k, eps = 40000, 8, 0.5
    bag_id = kzoo.data.random_bags(n, k, seed=0)
    assert np.all(np.bincount(bag_id) == k)
    y = np.random.default_rng(1).uniform(size=n)
    noisy = kzoo.data.laplace_bag_means(y, bag_id, eps, (0.0, 1.0), seed=3)
    again = kzoo.data.laplace_bag_means(y, bag_id, eps, (0.0, 1.0), seed=3)
    np.testing.assert_array_equal(noisy, again)
    clean = np.bincount(bag_id, weights=y) / k
    noise = noisy[np.argsort(bag_id)][::k] - clean
    # Laplace(b) has variance 2b², b = Δ/(kε) = 0.25 → 0.125 (5000 bags).
    np.testing.assert_allclose(
        noise.var(), 2 * (1.0 / (k * eps)) ** 2, rtol=0.08
    )
    # every instance of a bag carries the same released value
    for b in range(3):
        assert np.unique(noisy[bag_id == b]).size == 1
    ids = kzoo.data.random_bags(10, 4, seed=0)
    assert np.sum(ids == -1) == 2
    with pytest.raises(ValueError, match="Received: epsilon=0"):
        kzoo.data.laplace_bag_means(y, bag_id, 0, (0, 1))
    with pytest.raises(ValueError, match="response_range"):
        kzoo.data.laplace_bag_means(y, bag_id, 1.0, (1, 0))
    with pytest.raises(ValueError, match="Received: bag_size=0"):
        kzoo.data.random_bags(10, 0)


def test_configs_saved_before_the_split_load():
    # What `keras.losses.serialize` wrote when the three classes lived in
    # bag_losses.py and took no `reduction`.
    saved = {
        "module": "kzoo.losses.aggregate.bag_losses",
        "class_name": "InterpolatingBagLoss",
        "config": {
            "name": "interpolating_bag_loss",
            "dtype": None,
            "loss": "squared_error",
            "rho": 0.7,
        },
        "registered_name": "kzoo>InterpolatingBagLoss",
    }
    restored = keras.losses.deserialize(saved)
    assert type(restored) is kzoo.losses.InterpolatingBagLoss
    assert restored.rho == 0.7
    assert restored.reduction == "sum_over_batch_size"
