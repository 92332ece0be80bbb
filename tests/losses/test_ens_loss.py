import os

import keras
import numpy as np
import pytest

import kzoo
from kzoo.testing import value_and_grad

# Official reference gradients. Source: github.com/statmlben/ensLoss, commit
# fd3768217361232236f73bd860429ac3c98f6e89, losses.py `ensLoss.forward`, run
# on CPU in float64 in a throwaway harness (`g_batch.to("cuda")` removed,
# `torch.randn` patched to return EPS, `loss.lam` set to λ): gradient of the
# returned batch mean with respect to the logits F (labels Y).
F = np.array([0.3, -1.2, 2.5, 0.05, -0.4, 1.7, -2.2, 0.9])
Y = np.array([1, 0, 1, 1, 0, 0, 1, 0], "float32")
EPS = np.array([0.5, -1.0, 0.2, 1.5, -0.3, 0.0, -2.0, 0.8])
OFFICIAL_GRADS = {
    0.0: [
        -0.125000125, 0.0383209001, -0.0067668892, -0.125000125,
        0.0926024026, 0.125000125, -0.125000125, 0.125000125,
    ],
    0.5: [
        -0.125000125, 0.0260417917, -1.25e-07, -0.125000125,
        0.090312625, 0.125000125, -0.125000125, 0.125000125,
    ],
    -0.5: [
        -0.125000125, 0.0462964213, -0.012500125, -0.125000125,
        0.0945180834, 0.125000125, -0.125000125, 0.125000125,
    ],
}  # fmt: skip


@pytest.mark.parametrize("lam", [0.0, 0.5, -0.5])
def test_gradient_matches_official_with_the_same_noise(lam):
    loss = kzoo.losses.EnsLoss(boxcox_lambda=lam)
    y_true = np.stack([Y, EPS.astype("float32")], axis=1)
    _, grad = value_and_grad(lambda t: loss(y_true, t), F.astype("float32"))
    np.testing.assert_allclose(grad, OFFICIAL_GRADS[lam], rtol=1e-5, atol=1e-8)
    _, grad_fn = value_and_grad(
        lambda t: keras.ops.mean(kzoo.losses.ens_loss(y_true, t, lam)),
        F.astype("float32")[:, None],
    )
    np.testing.assert_allclose(
        grad_fn[:, 0], OFFICIAL_GRADS[lam], rtol=1e-5, atol=1e-8
    )


def test_sampled_derivatives_are_calibrated_and_monotone():
    rng = np.random.default_rng(0)
    f = rng.normal(size=64).astype("float32") * 0.5
    y = (rng.random(64) < 0.5).astype("float32")
    eps = rng.normal(size=64).astype("float32")
    _, grad = value_and_grad(
        lambda t: keras.ops.sum(kzoo.losses.ens_loss(np.stack([y, eps], 1), t)),
        f,
    )
    z = (2 * y - 1) * f
    g = grad * (2 * y - 1)  # the sampled derivative φ'(z_i)
    assert np.all(g < 0) and np.all(g >= -1.0 - 1e-6)  # φ'(0) < 0, clipped
    small = z <= 1.0  # below the tail decay, φ' is non-decreasing in z
    order = np.argsort(z[small])
    assert np.all(np.diff(g[small][order]) >= -1e-7)


def test_own_generator_draws_fresh_reproducible_noise_eagerly():
    f = F.astype("float32")
    a = kzoo.losses.EnsLoss(seed=3)
    b = kzoo.losses.EnsLoss(seed=3)
    ga = [value_and_grad(lambda t: a(Y, t), f)[1] for _ in range(2)]
    gb = [value_and_grad(lambda t: b(Y, t), f)[1] for _ in range(2)]
    assert not np.allclose(ga[0], ga[1])  # consecutive calls differ
    np.testing.assert_allclose(ga[0], gb[0])  # the seed reproduces
    np.testing.assert_allclose(ga[1], gb[1])


def _head_model(seed):
    x_in = keras.Input((3,))
    y_in = keras.Input(())
    logits = keras.layers.Dense(1, name="dense")(x_in)
    out = kzoo.layers.EnsLossHead(seed=seed, name="ens")([logits, y_in])
    return keras.Model([x_in, y_in], out)


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 3)).astype("float32")
    return x, (rng.random(8) < 0.5).astype("float32")


@pytest.mark.requires_trainable_backend
@pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
def test_head_draws_fresh_noise_each_step_and_reproduces(jit_compile):
    # Learning rate 0: the weights never move, so different losses on the
    # same batch mean different noise. Rewinding the layer's generator to its
    # initial state replays the same noise through the same compiled step.
    x, y = _data()
    model = _head_model(seed=11)
    model.compile(optimizer=keras.optimizers.SGD(0.0), jit_compile=jit_compile)
    state = model.get_layer("ens").seed_generator.state
    initial = keras.ops.convert_to_numpy(state.value).copy()
    first = [float(model.train_on_batch([x, y])) for _ in range(3)]
    assert len(set(first)) == 3, first
    state.assign(initial)
    again = [float(model.train_on_batch([x, y])) for _ in range(3)]
    np.testing.assert_allclose(again, first, rtol=1e-6)


@pytest.mark.requires_trainable_backend
def test_head_same_seed_same_run_and_it_trains():
    x, y = _data()
    runs, weights = [], None
    for _ in range(2):
        model = _head_model(seed=11)
        weights = model.get_weights() if weights is None else weights
        model.set_weights(weights)
        model.compile(optimizer=keras.optimizers.SGD(0.1))
        runs.append([float(model.train_on_batch([x, y])) for _ in range(3)])
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-6)
    assert np.all(np.isfinite(runs[0]))
    assert not np.allclose(weights[0], model.get_weights()[0])


@pytest.mark.requires_trainable_backend
def test_loss_owned_generator_in_fit():
    x, y = _data()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(
        optimizer=keras.optimizers.SGD(0.0), loss=kzoo.losses.EnsLoss(seed=1)
    )
    if keras.backend.backend() == "jax":
        # JAX's trainer would drop the generator update: refuse loudly.
        with pytest.raises(ValueError, match="EnsLossHead"):
            model.train_on_batch(x, y)
    else:
        values = [float(model.train_on_batch(x, y)) for _ in range(3)]
        assert len(set(values)) == 3, values
    # Noise fed through the data works on every backend, and `fit` trains.
    eps = np.random.default_rng(1).normal(size=len(y)).astype("float32")
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=kzoo.losses.EnsLoss(),
        jit_compile=True,
    )
    before = model.get_weights()[0].copy()
    history = model.fit(x, np.stack([y, eps], 1), batch_size=4, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert not np.allclose(before, model.get_weights()[0])


@pytest.mark.parametrize("case", ["batch_of_one", "one_class", "ties", "big"])
def test_degenerate_batches_are_finite(case):
    f, y, eps = F.astype("float32"), Y, EPS.astype("float32")
    if case == "batch_of_one":
        f, y, eps = f[:1], y[:1], eps[:1]
    elif case == "one_class":
        y = np.ones_like(y)
    elif case == "ties":
        f = np.zeros_like(f)
    else:
        f = f * 1e4
    y_true = np.stack([y, eps], 1)
    value, grad = value_and_grad(lambda t: kzoo.losses.EnsLoss()(y_true, t), f)
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    assert np.all(grad * (2 * y - 1) < 0)


def test_reductions_and_sample_weight():
    y_true = np.stack([Y, EPS.astype("float32")], 1)
    f = F.astype("float32")
    per = np.asarray(kzoo.losses.EnsLoss(reduction="none")(y_true, f))
    w = np.linspace(0, 2, len(f)).astype("float32")
    np.testing.assert_allclose(
        float(kzoo.losses.EnsLoss(reduction="sum")(y_true, f, w)),
        (per * w).sum(),
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        float(kzoo.losses.EnsLoss()(y_true, f)), per.mean(), rtol=1e-5
    )


def test_serialization_and_keras_file_round_trip(tmp_path):
    loss = kzoo.losses.EnsLoss(boxcox_lambda=0.5, seed=4)
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(restored) is kzoo.losses.EnsLoss
    assert restored.get_config() == loss.get_config()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss=loss)
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    assert keras.saving.load_model(path).loss.get_config() == loss.get_config()
    head = _head_model(seed=5)
    path = os.path.join(tmp_path, "h.keras")
    head.save(path)
    layer = keras.saving.load_model(path).get_layer("ens")
    assert type(layer) is kzoo.layers.EnsLossHead
    assert layer.get_config() == head.get_layer("ens").get_config()


def test_mixed_precision():
    y_true = np.stack([Y, EPS.astype("float32")], 1)
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        out = kzoo.losses.EnsLoss()(y_true, keras.ops.cast(F, "bfloat16"))
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
        x, y = _data()
        model = _head_model(seed=1)
        model.compile(optimizer="sgd")
        history = model.fit([x, y], batch_size=8, verbose=0)
        assert np.all(np.isfinite(history.history["loss"]))
    finally:
        keras.config.set_dtype_policy("float32")


def test_bad_arguments_raise():
    for cls in (kzoo.losses.EnsLoss, kzoo.layers.EnsLossHead):
        with pytest.raises(ValueError, match="Received: boxcox_lambda='a'"):
            cls(boxcox_lambda="a")
        with pytest.raises(ValueError, match="Received: seed=1.5"):
            cls(seed=1.5)
    with pytest.raises(ValueError, match="y_pred"):
        kzoo.losses.EnsLoss()(Y, np.zeros((8, 2), "float32"))
