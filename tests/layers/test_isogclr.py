"""kzoo.layers.ISogCLR against LibAUC 2.0.1 `GCLoss(mode="unimodal",
enable_isogclr=True)` run inline (torch): gradients w.r.t. both views and the
per-sample state (u, τ) over several steps. LibAUC's value is a surrogate
(PAPERS_METRIC.md §12); kzoo returns the same surrogate, also compared."""

import os

import keras
import numpy as np
import pytest
import torch
from libauc.losses import GCLoss

import kzoo
from kzoo.testing import value_and_grad

H1 = np.array([[1, 0, 0.2], [0.1, 1, 0], [0, 0.3, 1], [0.7, 0.7, 0]], "float32")
H2 = np.array(
    [[0.9, 0.1, 0.1], [0, 0.9, 0.3], [0.2, 0.2, 1], [0.6, 0.8, 0.1]],
    "float32",
)
IDX = np.array([3, 5, 7, 9], "int32")


def _step(layer, h1, h2, idx, training=True):
    """Mean surrogate and its gradients; state updated as in `fit`."""
    if keras.backend.backend() == "jax":
        import jax

        nts = layer.non_trainable_variables

        def f(a, b):
            out, new = layer.stateless_call(
                [], [v.value for v in nts], [a, b, idx], training=training
            )
            return keras.ops.mean(out), new

        (value, new), grads = jax.value_and_grad(
            f, argnums=(0, 1), has_aux=True
        )(h1, h2)
        for v, n in zip(nts, new):
            v.assign(n)
        return float(value), [np.asarray(g) for g in grads]
    return value_and_grad(
        lambda a, b: keras.ops.mean(layer([a, b, idx], training=training)),
        h1,
        h2,
        argnums=(0, 1),
    )


def _libauc(**kwargs):
    return GCLoss(
        mode="unimodal",
        enable_isogclr=True,
        device=torch.device("cpu"),
        **kwargs,
    )


def _np(v):
    return keras.ops.convert_to_numpy(v)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(N=10, tau=0.1, gamma=0.9, rho=0.3, eta=0.01, beta=0.9),
        dict(N=12, tau=0.2, gamma=0.8, rho=0.4, eta=0.03, beta=0.5),
    ],
    ids=["libauc_defaults", "official_script"],
)
def test_matches_libauc_gradients_and_state(kwargs, capsys):
    ref = _libauc(tau_min=0.05, tau_max=0.7, **kwargs)
    layer = kzoo.layers.ISogCLR(
        kwargs["N"],
        temperature_init=kwargs["tau"],
        gamma=kwargs["gamma"],
        rho=kwargs["rho"],
        eta=kwargs["eta"],
        beta=kwargs["beta"],
    )
    rng = np.random.default_rng(0)
    for step in range(3):
        h1 = H1 + 0.1 * step * rng.normal(size=H1.shape).astype("float32")
        h2 = H2 + 0.1 * step * rng.normal(size=H2.shape).astype("float32")
        t1 = torch.tensor(h1, requires_grad=True)
        t2 = torch.tensor(h2, requires_grad=True)
        expected = ref(t1, t2, torch.tensor(IDX.astype("int64")))
        expected.backward()
        value, (g1, g2) = _step(layer, h1, h2, IDX)
        np.testing.assert_allclose(value, float(expected.detach()), 1e-5)
        np.testing.assert_allclose(g1, t1.grad.numpy(), rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(g2, t2.grad.numpy(), rtol=1e-4, atol=1e-6)
        inner = ref.loss_fn
        np.testing.assert_allclose(
            _np(layer.u), inner.u.numpy().ravel(), rtol=1e-5
        )
        np.testing.assert_allclose(
            _np(layer.temperature),
            inner.learnable_tau.detach().numpy().ravel(),
            rtol=1e-6,
        )
        np.testing.assert_allclose(
            _np(layer.temperature_momentum),
            inner.grad_tau.detach().numpy().ravel(),
            rtol=1e-4,
            atol=1e-7,
        )
    capsys.readouterr()  # LibAUC prints its gamma schedule


def test_paper_fixture_two_steps():
    # PAPERS_METRIC.md §12 (LibAUC 2.0.1 run recorded there): step 1 value
    # -0.5868734, τ[index] = [0.1069538, 0.1063088, 0.1040102, 0.1025410];
    # step 2 value -0.6553824, u[index] = [269.886, 618.743, 44.961, 1093.011].
    layer = kzoo.layers.ISogCLR(10)
    v1, (g1, _) = _step(layer, H1, H2, IDX)
    np.testing.assert_allclose(v1, -0.5868734, rtol=1e-5)
    np.testing.assert_allclose(
        g1[0], [-0.0119653, 0.1675690, 0.0598267], rtol=1e-4
    )
    np.testing.assert_allclose(
        _np(layer.temperature)[IDX],
        [0.1069538, 0.1063088, 0.1040102, 0.1025410],
        rtol=1e-5,
    )
    v2, _ = _step(layer, H1, H2, IDX)
    np.testing.assert_allclose(v2, -0.6553824, rtol=1e-5)
    np.testing.assert_allclose(
        _np(layer.u)[IDX], [269.886, 618.743, 44.961, 1093.011], rtol=1e-5
    )
    # Untouched ids keep their initial state.
    np.testing.assert_array_equal(_np(layer.u)[[0, 1, 2]], 0.0)
    np.testing.assert_allclose(_np(layer.temperature)[[0, 1]], 0.1)


def test_inference_does_not_update_state_and_gradient_is_finite():
    layer = kzoo.layers.ISogCLR(10)
    _step(layer, H1, H2, IDX, training=False)
    np.testing.assert_array_equal(_np(layer.u), 0.0)
    # Degenerate: identical views and embeddings, a batch of one.
    same = np.repeat(H1[:1], 4, axis=0)
    _, (g1, g2) = _step(layer, same, same, IDX)
    assert np.all(np.isfinite(g1)) and np.all(np.isfinite(g2))
    _, (g1, _) = _step(layer, H1[:1], H2[:1], IDX[:1])
    assert np.all(np.isfinite(g1)) and np.all(
        np.isfinite(_np(layer.temperature))
    )


def test_gamma_schedules():
    layer = kzoo.layers.ISogCLR(4, gamma=0.6)
    assert layer.adjust_gamma(0) == 1.0 and layer.adjust_gamma(3) == 0.6
    cos = kzoo.layers.ISogCLR(
        4, gamma=0.5, gamma_schedule="cosine", gamma_decay_epochs=4
    )
    np.testing.assert_allclose(
        [cos.adjust_gamma(e) for e in range(6)],
        [1.0, 0.9267767, 0.75, 0.5732233, 0.5, 0.5],
        rtol=1e-6,
    )
    np.testing.assert_allclose(_np(cos.current_gamma), 0.5)


def _model(n=16, dim=5):
    a, b = keras.Input((dim,)), keras.Input((dim,))
    ids = keras.Input((), dtype="int32")
    enc = keras.layers.Dense(3)
    out = kzoo.layers.ISogCLR(n, name="isogclr")([enc(a), enc(b), ids])
    return keras.Model([a, b, ids], out)


@pytest.mark.requires_trainable_backend
@pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
def test_fit_updates_weights_and_state(jit_compile, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 5)).astype("float32")
    data = [x, x + 0.1 * rng.normal(size=x.shape).astype("float32")]
    data.append(np.arange(16, dtype="int32"))
    model = _model()
    before = [np.array(w) for w in model.trainable_weights]
    model.compile(optimizer="sgd", jit_compile=jit_compile)
    hist = model.fit(data, batch_size=8, epochs=1, verbose=0, shuffle=False)
    assert np.isfinite(hist.history["loss"][0])
    assert any(
        not np.allclose(a, _np(b))
        for a, b in zip(before, model.trainable_weights)
    )
    layer = model.get_layer("isogclr")
    assert np.all(_np(layer.u) > 0)
    assert not np.allclose(_np(layer.temperature), 0.1)
    if jit_compile:
        return
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)  # no custom_objects
    restored = loaded.get_layer("isogclr")
    assert restored.get_config() == layer.get_config()
    np.testing.assert_allclose(
        _np(restored.temperature), _np(layer.temperature)
    )


def test_mixed_precision_and_config():
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        layer = kzoo.layers.ISogCLR(10)
        out = layer(
            [
                keras.ops.cast(H1, "bfloat16"),
                keras.ops.cast(H2, "bfloat16"),
                IDX,
            ],
            training=True,
        )
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
        assert np.all(np.isfinite(_np(out)))
        assert (
            keras.backend.standardize_dtype(layer.temperature.dtype)
            == "float32"
        )
    finally:
        keras.config.set_dtype_policy("float32")
    layer = kzoo.layers.ISogCLR(10, rho=0.4)
    clone = kzoo.layers.ISogCLR.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_deprecated_tau_names():
    # The old keywords (and configs saved with them) still work, with a
    # DeprecationWarning; so do the old state attributes.
    with pytest.warns(DeprecationWarning) as record:
        layer = kzoo.layers.ISogCLR(10, tau_init=0.2, tau_max=0.5)
    assert "use `temperature_init`" in str(record[0].message)
    assert layer.temperature_init == 0.2 and layer.temperature_max == 0.5
    config = layer.get_config()
    old = dict(config)
    for key in ("temperature_init", "temperature_min", "temperature_max"):
        old[key.replace("temperature", "tau")] = old.pop(key)
    with pytest.warns(DeprecationWarning):
        assert kzoo.layers.ISogCLR.from_config(old).get_config() == config
    with pytest.warns(DeprecationWarning, match="ISogCLR.temperature"):
        np.testing.assert_allclose(_np(layer.tau), 0.2)
    with pytest.raises(ValueError, match="give only `temperature_init`"):
        kzoo.layers.ISogCLR(10, temperature_init=0.3, tau_init=0.2)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"num_samples": 0}, "Received: num_samples=0"),
        ({"temperature_init": -1}, "Received: temperature_init=-1"),
        ({"gamma": 1.5}, "Received: gamma=1.5"),
        ({"beta": 0}, "Received: beta=0"),
        ({"rho": -0.1}, "Received: rho=-0.1"),
        ({"temperature_init": 0.9}, "temperature_init=0.9"),
        ({"gamma_schedule": "step"}, "Received: gamma_schedule='step'"),
        ({"gamma_schedule": "cosine"}, "gamma_decay_epochs=None"),
    ],
)
def test_bad_arguments_raise(kwargs, match):
    kwargs = {"num_samples": 10, **kwargs}
    with pytest.raises(ValueError, match=match):
        kzoo.layers.ISogCLR(**kwargs)
