"""AMCL (AMCLLoss + AdaptiveTemperatureHeads), DBPM (DBPMReweight +
DBPMCallback) and AdaMEOW (AdaptiveWeightedInfoNCE).

Parity references: pytorch-metric-learning's NTXentLoss (AMCL with one head,
a constant temperature and β = 0), the float64 loops of
tests/reference/contrastive_family.py (written from the papers' formulas),
scipy.stats.norm.pdf for DBPM's weights (values of PAPERS_METRIC.md §10).
"""

import os

import keras
import numpy as np
import pytest
from keras import ops
from scipy.stats import norm

import kzoo
from kzoo.testing import numerical_gradient
from kzoo.testing import value_and_grad
from tests.reference import contrastive_family as ref
from tests.reference import pml

# --- AMCL ----------------------------------------------------------------


def _simclr(seed, n=4, dim=5):
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, dim))
    x = np.concatenate([base, base]) + 0.4 * rng.normal(size=(2 * n, dim))
    return np.tile(np.arange(n), 2).astype("int32"), x.astype("float32")


def _pairs(sim, tau):
    return ops.transpose(ops.stack([sim, tau], axis=-1), (1, 0, 2, 3))


@pytest.mark.parametrize("tau", [0.1, 0.5])
def test_amcl_one_head_constant_tau_is_ntxent(tau):
    y, x = _simclr(0)
    expected, expected_grad = pml.value_and_grad(
        pml.losses.NTXentLoss(temperature=tau), y, x
    )
    loss = kzoo.losses.AMCLLoss(beta=0.0)

    def fn(t):
        sim = kzoo.ops.pairwise_cosine_similarity(t)[None]
        return loss(y, _pairs(sim, ops.full_like(sim, tau)))

    value, grad = value_and_grad(fn, x)
    np.testing.assert_allclose(value, expected, rtol=1e-5)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-4, atol=1e-5)


def _amcl_inputs(seed, heads=2, b=6):
    rng = np.random.default_rng(seed)
    sim = np.tanh(rng.normal(size=(heads, b, b)))
    tau = 0.1 + rng.random((heads, b, b))
    return sim, tau


def test_amcl_matches_reference_value_and_gradient():
    sim, tau = _amcl_inputs(1)
    y = np.array([0, 0, 1, 1, 1, 2], "int32")
    pairs = np.ascontiguousarray(
        np.stack([sim, tau], -1).transpose(1, 0, 2, 3), "float32"
    )
    loss = kzoo.losses.AMCLLoss(beta=0.1, reg_dim=8)
    value, grad = value_and_grad(lambda t: loss(y, t), pairs)

    def ref_fn(p):
        p = p.transpose(1, 0, 2, 3)
        return ref.amcl(y, p[..., 0], p[..., 1], 0.1, 8)

    np.testing.assert_allclose(value, ref_fn(pairs), rtol=1e-5)
    np.testing.assert_allclose(
        grad, numerical_gradient(ref_fn, pairs), rtol=1e-3, atol=1e-4
    )


def test_amcl_reductions_degenerate_and_config():
    sim, tau = _amcl_inputs(2)
    pairs = np.ascontiguousarray(
        np.stack([sim, tau], -1).transpose(1, 0, 2, 3), "float32"
    )
    y = np.array([0, 0, 1, 1, 2, 2], "int32")
    loss = kzoo.losses.AMCLLoss(reduction="none")
    per = np.asarray(loss(y, pairs))
    assert per.shape == (6,)
    np.testing.assert_allclose(np.asarray(kzoo.losses.amcl(y, pairs)), per)
    w = np.linspace(0, 2, 6).astype("float32")
    np.testing.assert_allclose(
        float(kzoo.losses.AMCLLoss(reduction="sum")(y, pairs, w)),
        (per * w).sum(),
        rtol=1e-5,
    )
    mean = kzoo.losses.AMCLLoss()
    for labels in (np.zeros(6, "int32"), np.arange(6, dtype="int32")):
        _, g = value_and_grad(lambda t: mean(labels, t), pairs)
        assert np.all(np.isfinite(g))
    _, g = value_and_grad(lambda t: mean(y[:1], t), pairs[:1, :, :1])
    assert np.all(np.isfinite(g))
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert restored.get_config() == loss.get_config()
    with pytest.raises(ValueError, match="Received: beta=-1"):
        kzoo.losses.AMCLLoss(beta=-1)
    with pytest.raises(ValueError, match="Received: reg_dim=0"):
        kzoo.losses.AMCLLoss(reg_dim=0)
    with pytest.raises(ValueError, match="y_pred"):
        loss(y, pairs[..., 0])


def test_adaptive_temperature_heads_outputs_and_formula():
    layer = kzoo.layers.AdaptiveTemperatureHeads(
        num_heads=2,
        hidden_dim=8,
        projection_dim=4,
        temperature_hidden_dim=3,
        temperature_min=0.05,
        temperature_max=1.0,
    )
    x = np.random.default_rng(3).normal(size=(5, 6)).astype("float32")
    out = np.asarray(ops.convert_to_numpy(layer(x)))
    assert out.shape == (5, 2, 5, 2)
    assert np.all(out[..., 1] > 0.05) and np.all(out[..., 1] < 1.0)
    # Recompute head 1, pair (3, 0) from the weights in float64.
    w = {v.name: np.asarray(v.numpy(), "float64") for v in layer.weights}
    h = 1
    z = np.maximum(x @ w["w1"][h] + w["b1"][h], 0) @ w["w2"][h] + w["b2"][h]
    z = ref.normalize(z)
    hid = np.maximum(
        z[3] @ w["temperature_a"][h]
        + z[0] @ w["temperature_c"][h]
        + w["temperature_b"][h, 0, 0],
        0,
    )
    gate = hid @ w["temperature_v"][h][:, 0] + w["temperature_e"][h, 0, 0]
    tau = 0.05 + 0.95 / (1 + np.exp(-gate))
    np.testing.assert_allclose(out[3, h, 0, 1], tau, rtol=1e-5)
    np.testing.assert_allclose(out[3, h, 0, 0], z[3] @ z[0], rtol=1e-5)
    cfg = layer.get_config()
    again = kzoo.layers.AdaptiveTemperatureHeads.from_config(cfg)
    assert again.get_config() == cfg
    with pytest.raises(ValueError, match="Received: temperature_max=0.01"):
        kzoo.layers.AdaptiveTemperatureHeads(
            temperature_min=0.1, temperature_max=0.01
        )
    with pytest.raises(ValueError, match="Received: num_heads=0"):
        kzoo.layers.AdaptiveTemperatureHeads(num_heads=0)
    # A config saved before the rename (tau_* keys) still loads.
    legacy = {k.replace("temperature", "tau"): v for k, v in cfg.items()}
    with pytest.warns(DeprecationWarning) as record:
        old = kzoo.layers.AdaptiveTemperatureHeads.from_config(legacy)
    assert len(record) == 3
    assert old.get_config() == cfg


def _amcl_model():
    inp = keras.Input((6,))
    feats = keras.layers.Dense(8)(inp)
    out = kzoo.layers.AdaptiveTemperatureHeads(
        num_heads=2, hidden_dim=8, projection_dim=4, temperature_hidden_dim=4
    )(feats)
    return keras.Model(inp, out)


def _amcl_data():
    y, _ = _simclr(4, n=4)
    x = np.random.default_rng(4).normal(size=(4, 6))[y]
    x = x + 0.2 * np.random.default_rng(5).normal(size=x.shape)
    return x.astype("float32"), y


@pytest.mark.requires_trainable_backend
@pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
def test_amcl_fit_smoke(jit_compile):
    if jit_compile and keras.backend.backend() == "torch":
        pytest.skip(
            "torch: AMCL's jit fit is compiled with the rest of the family "
            "in test_family_fit_smoke_one_torch_compile (budget)"
        )
    x, y = _amcl_data()
    model = _amcl_model()
    before = [np.array(w) for w in model.get_weights()]
    model.compile(
        optimizer=keras.optimizers.SGD(0.05),
        loss=kzoo.losses.AMCLLoss(reg_dim=4),
        jit_compile=jit_compile,
    )
    hist = model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    assert np.all(np.isfinite(hist.history["loss"]))
    after = model.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(before, after))


def test_amcl_keras_file_round_trip_and_mixed_precision(tmp_path):
    x, y = _amcl_data()
    model = _amcl_model()
    model.compile(optimizer="sgd", loss=kzoo.losses.AMCLLoss(reg_dim=4))
    path = os.path.join(tmp_path, "amcl.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded.loss) is kzoo.losses.AMCLLoss
    np.testing.assert_allclose(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6
    )
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        model = _amcl_model()
        loss = kzoo.losses.AMCLLoss(reg_dim=4)
        out = loss(y, model(x))
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
        model.compile(optimizer="sgd", loss=loss)
        hist = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
        assert np.all(np.isfinite(hist.history["loss"]))
    finally:
        keras.config.set_dtype_policy("float32")


# --- DBPM ----------------------------------------------------------------


def test_dbpm_weights_match_scipy_pdf():
    # PAPERS_METRIC.md §10: μ = 1, σ = 0.05 → w(μ) = 7.978846,
    # w(μ + 3σ) = 0.0886370 (scipy.stats.norm.pdf).
    layer = kzoo.layers.DBPMReweight(4, add_loss=False)
    layer.mu.assign(1.0)
    layer.sigma.assign(0.05)
    layer.active.assign(1.0)
    losses = np.array([1.0, 1.15, 0.93, 2.0], "float32")
    flags = np.array([1.0, 2.0, 1.0, 0.0], "float32")
    got = np.asarray(ops.convert_to_numpy(layer.pair_weights(losses, flags)))
    expected = norm.pdf(losses.astype("float64"), 1.0, 0.05)
    expected[3] = 1.0
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    np.testing.assert_allclose(got[:2], [7.978846, 0.0886370], rtol=1e-5)
    layer = kzoo.layers.DBPMReweight(4, weight="pdf_normalized", add_loss=False)
    layer.mu.assign(1.0)
    layer.sigma.assign(0.05)
    layer.active.assign(1.0)
    got = np.asarray(ops.convert_to_numpy(layer.pair_weights(losses, flags)))
    np.testing.assert_allclose(
        got[:3], expected[:3] * 0.05 * np.sqrt(2 * np.pi), rtol=1e-5
    )


@pytest.mark.parametrize("history", ["paper", "code"])
def test_dbpm_thresholds_match_reference(history):
    rng = np.random.default_rng(6)
    n, epochs = 24, 4
    table = 1.0 + 0.05 * rng.normal(size=(n, epochs))
    table[3] -= 1.0  # a noisy pair: suspiciously small loss
    table[7] += 1.5  # a faulty pair: large loss
    layer = kzoo.layers.DBPMReweight(
        n, warm_epochs=epochs, max_epochs=10, history=history, add_loss=False
    )
    order = rng.permutation(n)
    for e in range(epochs):
        layer.update_thresholds(e)
        assert float(layer.active.numpy()) == 0.0
        for part in np.array_split(order, 3):  # three batches per epoch
            layer(
                [table[part, e].astype("float32"), part.astype("int32")],
                training=True,
            )
    layer.update_thresholds(epochs)
    mu, sigma, flags = ref.dbpm_flags(
        table, 2.0, 3.0, code_weighting=history == "code", max_epochs=10
    )
    np.testing.assert_allclose(float(layer.mu.numpy()), mu, rtol=1e-5)
    np.testing.assert_allclose(float(layer.sigma.numpy()), sigma, rtol=1e-4)
    np.testing.assert_array_equal(layer.flags.numpy(), flags)
    assert flags[3] == 1 and flags[7] == 2
    # The weighted output and its gradient (weights are detached).
    losses = table[[3, 7, 0], epochs - 1].astype("float32")
    idx = np.array([3, 7, 0], "int32")
    out, grad = value_and_grad(
        lambda t: ops.sum(layer([t, idx], training=False)), losses
    )
    w = norm.pdf(losses.astype("float64"), mu, sigma)
    w[2] = 1.0
    np.testing.assert_allclose(out, (w * losses).sum(), rtol=1e-4)
    np.testing.assert_allclose(grad, w, rtol=1e-4, atol=1e-6)
    # Calls with training=False leave the history alone.
    np.testing.assert_allclose(layer.loss_count.numpy(), np.full(n, epochs))


class _PerSampleInfoNCE(keras.layers.Layer):
    """½(ℓ(u→v) + ℓ(v→u)) per sample, from kzoo's NT-Xent."""

    def call(self, inputs):
        u, v = inputs
        b = 4  # the static batch size of the test (a constant label vector
        # keeps ops.arange out of torch.compile, where it warns)
        labels = np.tile(np.arange(b, dtype="int32"), 2)
        per = kzoo.losses.ntxent(
            labels, ops.concatenate([u, v], 0), temperature=0.2
        )
        return 0.5 * (per[:b] + per[b:]) / 2.0

    def compute_output_spec(self, inputs):
        return keras.KerasTensor((inputs[0].shape[0],), dtype="float32")


def _dbpm_model(n):
    x1, x2 = keras.Input((6,)), keras.Input((6,))
    idx = keras.Input((), dtype="int32")
    enc = keras.layers.Dense(4)
    per = _PerSampleInfoNCE()([enc(x1), enc(x2)])
    out = kzoo.layers.DBPMReweight(n, warm_epochs=1, cut_np=0.5, cut_fp=0.5)(
        [per, idx]
    )
    return keras.Model([x1, x2, idx], out)


@pytest.mark.requires_trainable_backend
@pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
def test_dbpm_fit_smoke_state_survives_jit(jit_compile):
    n = 8
    rng = np.random.default_rng(7)
    x = rng.normal(size=(n, 6)).astype("float32")
    x2 = (x + 0.3 * rng.normal(size=x.shape)).astype("float32")
    model = _dbpm_model(n)
    model.compile(optimizer=keras.optimizers.SGD(0.05), jit_compile=jit_compile)
    hist = model.fit(
        [x, x2, np.arange(n, dtype="int32")],
        batch_size=4,
        epochs=3,
        verbose=0,
        shuffle=False,
        callbacks=[kzoo.callbacks.DBPMCallback()],
    )
    assert np.all(np.isfinite(hist.history["loss"]))
    layer = model.layers[-1]
    np.testing.assert_allclose(layer.loss_count.numpy(), np.full(n, 3.0))
    assert float(layer.active.numpy()) == 1.0
    assert float(layer.epoch.numpy()) == 2.0
    assert float(layer.sigma.numpy()) > 0


def test_dbpm_config_keras_file_and_bad_arguments(tmp_path):
    model = _dbpm_model(8)
    model.compile(optimizer="sgd")
    path = os.path.join(tmp_path, "dbpm.keras")
    model.save(path)
    loaded = keras.saving.load_model(
        path, custom_objects={"_PerSampleInfoNCE": _PerSampleInfoNCE}
    )
    layer = loaded.layers[-1]
    assert isinstance(layer, kzoo.layers.DBPMReweight)
    assert layer.get_config() == model.layers[-1].get_config()
    for kwargs, match in [
        ({"num_samples": 0}, "Received: num_samples=0"),
        ({"num_samples": 4, "weight": "x"}, "Received: weight='x'"),
        ({"num_samples": 4, "history": "y"}, "Received: history='y'"),
        ({"num_samples": 4, "cut_np": -1}, "Received: cut_np=-1"),
        ({"num_samples": 4, "warm_epochs": -1}, "Received: warm_epochs=-1"),
    ]:
        with pytest.raises(ValueError, match=match):
            kzoo.layers.DBPMReweight(**kwargs)


def test_dbpm_mixed_precision_output_is_float32():
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        layer = kzoo.layers.DBPMReweight(4)
        out = layer(
            [np.ones(2, "float32"), np.array([0, 1], "int32")], training=True
        )
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
    finally:
        keras.config.set_dtype_policy("float32")


# --- AdaMEOW ---------------------------------------------------------------


def test_adaptive_weighted_info_nce_matches_reference():
    rng = np.random.default_rng(8)
    za = rng.normal(size=(5, 3)).astype("float32")
    zo = (za + 0.3 * rng.normal(size=za.shape)).astype("float32")
    layer = kzoo.layers.AdaptiveWeightedInfoNCE(0.5, hidden_units=4)
    layer([za, zo])
    w = [np.asarray(v.numpy(), "float64") for v in layer.weights]
    value, grad = value_and_grad(
        lambda t: ops.mean(layer([t, ops.convert_to_tensor(zo)])), za
    )

    def ref_fn(a):
        return ref.adameow(a, zo, *w, tau=0.5).mean()

    np.testing.assert_allclose(value, ref_fn(za), rtol=1e-5)
    np.testing.assert_allclose(
        grad, numerical_gradient(ref_fn, za), rtol=1e-4, atol=1e-5
    )
    cfg = layer.get_config()
    assert kzoo.layers.AdaptiveWeightedInfoNCE.from_config(
        cfg
    ).get_config() == (cfg)
    with pytest.raises(ValueError, match="Received: temperature=0"):
        kzoo.layers.AdaptiveWeightedInfoNCE(temperature=0)
    with pytest.raises(ValueError, match="Received: hidden_units=0"):
        kzoo.layers.AdaptiveWeightedInfoNCE(hidden_units=0)


@pytest.mark.requires_trainable_backend
@pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
def test_adaptive_weighted_info_nce_fit_smoke(jit_compile):
    inp = keras.Input((6,))
    a = keras.layers.Dense(4)(inp)
    b = keras.layers.Dense(4)(inp)
    layer = kzoo.layers.AdaptiveWeightedInfoNCE(0.9, hidden_units=4)
    model = keras.Model(inp, layer([a, b]))
    before = [np.array(v) for v in model.get_weights()]
    model.compile(optimizer=keras.optimizers.SGD(0.05), jit_compile=jit_compile)
    x = np.random.default_rng(9).normal(size=(8, 6)).astype("float32")
    hist = model.fit(x, batch_size=8, epochs=2, verbose=0)
    assert np.all(np.isfinite(hist.history["loss"]))
    after = model.get_weights()
    assert any(not np.allclose(p, q) for p, q in zip(before, after))


def test_adaptive_weighted_info_nce_mixed_precision():
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        inp = keras.Input((6,))
        a = keras.layers.Dense(4)(inp)
        b = keras.layers.Dense(4)(inp)
        out = kzoo.layers.AdaptiveWeightedInfoNCE(hidden_units=4)([a, b])
        model = keras.Model(inp, out)
        x = np.random.default_rng(10).normal(size=(8, 6)).astype("float32")
        assert keras.backend.standardize_dtype(model(x).dtype) == "float32"
        model.compile(optimizer="sgd")
        hist = model.fit(x, batch_size=8, epochs=1, verbose=0)
        assert np.all(np.isfinite(hist.history["loss"]))
    finally:
        keras.config.set_dtype_policy("float32")
