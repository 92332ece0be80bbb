"""Hyp-OC layers: `ToPoincare` against geoopt, `HyperbolicMLR` against the
float64 reference in tests/reference/hyperbolic.py, the pseudo-negative
sampler's statistics and state, serialization, fit, mixed precision."""

import os

import keras
import numpy as np
import pytest

import kzoo
from kzoo.testing import numerical_gradient
from kzoo.testing import value_and_grad
from tests.reference import hyperbolic as ref

C = 0.1


def _features(n=6, d=4, seed=0, scale=3.0):
    x = np.random.default_rng(seed).normal(size=(n, d)) * scale
    x[2] = 0.0
    return x


def test_to_poincare_matches_geoopt():
    geoopt = pytest.importorskip(
        "geoopt", reason="a pinned test extra (pip install .[test])"
    )
    torch = pytest.importorskip(
        "torch", reason="a pinned test extra (pip install .[test])"
    )
    x = _features()
    layer = kzoo.layers.ToPoincare(c=C, clip_radius=2.0)
    got = keras.ops.convert_to_numpy(layer(x.astype("float32")))
    ball = geoopt.PoincareBall(c=C)
    t = torch.tensor(ref.to_poincare(x, C, None) * 0 + x)  # raw features
    n = t.norm(dim=-1, keepdim=True).clamp_min(1e-15)
    t = t * torch.clamp(2.0 / n, max=1.0)
    expected = ball.expmap0(t, project=False).numpy()
    expected = ref.project(expected, C)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got, ref.to_poincare(x, C, 2.0), 1e-5, 1e-6)
    assert np.all(np.linalg.norm(got, axis=1) < 1 / np.sqrt(C))


def _mlr(units=3, d=4, seed=0):
    layer = kzoo.layers.HyperbolicMLR(units, c=C)
    layer.build((None, d))
    rng = np.random.default_rng(seed)
    kernel = rng.normal(size=(units, d))
    offset = rng.normal(size=(units, d)) * 0.5
    layer.set_weights([kernel.astype("float32"), offset.astype("float32")])
    return layer, kernel, offset


def test_hyperbolic_mlr_value_and_gradient_match_reference():
    layer, kernel, offset = _mlr()
    z = ref.to_poincare(_features(seed=1), C, 2.0)
    got = keras.ops.convert_to_numpy(layer(z.astype("float32")))
    np.testing.assert_allclose(
        got, ref.mlr_logits(z, kernel, offset, C), rtol=1e-4, atol=1e-5
    )
    w = np.random.default_rng(2).normal(size=got.shape).astype("float32")
    _, grad = value_and_grad(
        lambda t: keras.ops.sum(layer(t) * keras.ops.convert_to_tensor(w)),
        z.astype("float32"),
    )
    num = numerical_gradient(
        lambda t: float(np.sum(ref.mlr_logits(t, kernel, offset, C) * w)), z
    )
    np.testing.assert_allclose(grad, num, rtol=1e-3, atol=1e-3)


def test_hyperbolic_mlr_tends_to_euclidean_mlr_as_c_goes_to_zero():
    # c → 0: logit_k → 4⟨z − P_k, A_k⟩ (λ_p → 2, asinh(u) → u).
    layer = kzoo.layers.HyperbolicMLR(2, c=1e-6)
    layer.build((None, 3))
    rng = np.random.default_rng(0)
    kernel, offset = rng.normal(size=(2, 3)), rng.normal(size=(2, 3)) * 0.1
    layer.set_weights([kernel.astype("float32"), offset.astype("float32")])
    z = rng.normal(size=(4, 3)) * 0.1
    got = keras.ops.convert_to_numpy(layer(z.astype("float32")))
    expected = 4 * np.einsum("bkd,kd->bk", z[:, None] - offset[None], kernel)
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-4)


def test_sampler_statistics_state_and_inference():
    layer = kzoo.layers.PseudoNegativeSampler(momentum=0.8, stddev=0.5, seed=3)
    f = np.random.default_rng(0).normal(size=(4000, 3)).astype("float32") + 2
    out = keras.ops.convert_to_numpy(layer(f, training=True))
    assert out.shape == (8000, 3)
    np.testing.assert_array_equal(out[:4000], f)
    # μ_prev = 0 at first, so μ̃ = 0.2·mean(f)
    mu = 0.2 * f.mean(0)
    np.testing.assert_allclose(out[4000:].mean(0), mu, atol=0.03)
    np.testing.assert_allclose(out[4000:].std(0), 0.5, rtol=0.05)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer.mean), f.mean(0), rtol=1e-5
    )
    out2 = keras.ops.convert_to_numpy(layer(f, training=True))
    np.testing.assert_allclose(out2[4000:].mean(0), f.mean(0), atol=0.03)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(layer(f, training=False)), f
    )
    smooth = kzoo.layers.PseudoNegativeSampler(feed_back="smoothed")
    smooth(f, training=True)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(smooth.mean), mu, rtol=1e-5
    )


def _hyp_oc_model():
    inputs = keras.Input((5,))
    f = keras.layers.Dense(4)(inputs)
    f = kzoo.layers.PseudoNegativeSampler(seed=0)(f)
    z = kzoo.layers.ToPoincare(c=C, clip_radius=2.0)(f)
    logits = kzoo.layers.HyperbolicMLR(2, c=C)(z)
    return keras.Model(inputs, [logits, z])


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    # TF: 10 rows in batches of 4, so the last batch is partial (a dynamic
    # batch size in the graph). JAX/torch compile one graph per shape, so
    # they get 8 rows (one shape, a cheaper torch.compile).
    n = 10 if keras.backend.backend() == "tensorflow" else 8
    return rng.normal(size=(n, 5)).astype("float32"), np.zeros((n,), "int32")


@pytest.mark.parametrize("jit_compile", [False, True])
def test_hyp_oc_model_fits(jit_compile, data):
    x, y = data
    model = _hyp_oc_model()
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss=[
            kzoo.losses.HypCrossEntropyLoss(),
            kzoo.losses.HypPairwiseConfusionLoss(c=C),
        ],
        jit_compile=jit_compile,
    )
    hist = model.fit(x, (y, y), batch_size=4, epochs=1, verbose=0)
    assert np.all(np.isfinite(hist.history["loss"]))
    logits, z = model.predict(x, verbose=0)
    assert logits.shape == (len(x), 2) and z.shape == (len(x), 4)
    sampler = model.layers[2]
    assert np.any(keras.ops.convert_to_numpy(sampler.mean) != 0)


def test_serialization_round_trip(tmp_path, data):
    x, _ = data
    model = _hyp_oc_model()
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    for a, b in zip(model.predict(x, verbose=0), loaded.predict(x, verbose=0)):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    for layer in (
        kzoo.layers.ToPoincare(c=0.2, clip_radius=1.5, epsilon=1e-2),
        kzoo.layers.HyperbolicMLR(3, c=0.2),
        kzoo.layers.PseudoNegativeSampler(0.5, 2.0, "smoothed", seed=1),
    ):
        again = type(layer).from_config(layer.get_config())
        assert again.get_config() == layer.get_config()


def test_mixed_precision_outputs_float32():
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        x = keras.ops.cast(_features(seed=4), "bfloat16")
        z = kzoo.layers.ToPoincare(c=C, clip_radius=2.0)(x)
        logits = kzoo.layers.HyperbolicMLR(2, c=C)(z)
        neg = kzoo.layers.PseudoNegativeSampler()(z, training=True)
        for t in (z, logits, neg):
            assert keras.backend.standardize_dtype(t.dtype) == "float32"
            assert np.all(np.isfinite(keras.ops.convert_to_numpy(t)))
    finally:
        keras.config.set_dtype_policy("float32")


def test_bad_arguments():
    with pytest.raises(ValueError, match="Received: c=0"):
        kzoo.layers.ToPoincare(c=0)
    with pytest.raises(ValueError, match="Received: clip_radius=-1"):
        kzoo.layers.ToPoincare(clip_radius=-1)
    with pytest.raises(ValueError, match="Received: units=0"):
        kzoo.layers.HyperbolicMLR(0)
    with pytest.raises(ValueError, match="Received: momentum=1.5"):
        kzoo.layers.PseudoNegativeSampler(momentum=1.5)
    with pytest.raises(ValueError, match="Received: stddev=-1"):
        kzoo.layers.PseudoNegativeSampler(stddev=-1)
    with pytest.raises(ValueError, match="Received: feed_back='x'"):
        kzoo.layers.PseudoNegativeSampler(feed_back="x")
