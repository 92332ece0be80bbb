"""ConditionalCSDivergenceLoss / CSQMILoss (CS-IB, Yu et al., ICLR 2024).

Parity: the official `loss_cs.py` (`CS_Div`, `CS_QMI`, `CS_QMI_normalized`)
of github.com/SJYuCNEL/Cauchy-Schwarz-Information-Bottleneck (commit
252f86b), run in a throwaway torch 2.13 float64 harness with σ = 1 on
`np.random.default_rng(0)` draws, in order: x = normal((8, 3)), y =
normal((8, 1)), ŷ = y + 0.5·normal((8, 1)), t = normal((8, 2)). Recorded:
the values and the gradients with respect to ŷ (CS_Div) and t (QMI), and
CS_Div at σ = 2. Also float64 double-loop references of Props. 1 and 2
(tests/reference/robust.py) and the identities D_CS(x, y, y) = 0,
normalized I(x; x) = 1, I ≥ 0.
"""

import os

import keras
import numpy as np
import pytest

import kzoo
from kzoo.testing import numerical_gradient
from kzoo.testing import value_and_grad
from tests.reference import robust as ref

OFFICIAL = {
    "cs_div": 0.0894709997435359,
    "cs_div_sigma2": 0.013098277071896813,
    "cs_div_grad": [
        0.0044421576877274604, 0.0455894089211071, 0.06860244939906662,
        0.0048529237355822985, -0.08423213639362676, 0.0043096508779353615,
        0.07608666720860775, 0.13541120396813067,
    ],
    "cs_qmi": 0.6889076702490042,
    "cs_qmi_grad": [
        -0.05302183600338819, 0.07088810525199413, 0.06883824255916854,
        -0.04811726768594099, -0.04413412144580933, 0.02639008229718913,
        0.04053974735581996, 0.10693476845764222, 0.0811245661031344,
        0.05531254446768785, 0.024047515341670524, -0.14481785289088997,
        -0.036394897461241665, -0.042059499811556746, -0.0809992164493542,
        -0.024530880086125664,
    ],
    "cs_qmi_norm": 0.7582807566776705,
    "cs_qmi_norm_grad": [
        -0.018613370074565636, 0.06570759409993113, -0.01270896307069036,
        -0.07398167018616858, -0.040714499982463695, 0.1340315430159212,
        0.007941648008025003, 0.07373257489167512, 0.04099726999939379,
        0.021436104139617135, 0.024978102863143718, -0.11896911354050996,
        0.021731733288169935, -0.0538965185431667, -0.023611921031012797,
        -0.048060513877299406,
    ],
}  # fmt: skip


def _official_inputs():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 3))
    y = rng.normal(size=(8, 1))
    y_hat = y + 0.5 * rng.normal(size=(8, 1))
    t = rng.normal(size=(8, 2))
    return [a.astype("float32") for a in (x, y, y_hat, t)]


def _np(v):
    return float(keras.ops.convert_to_numpy(v))


def test_matches_official_loss_cs():
    x, y, y_hat, t = _official_inputs()
    packed = np.concatenate([y, x], 1)
    div = kzoo.losses.ConditionalCSDivergenceLoss()
    value, grad = value_and_grad(lambda z: div(packed, z), y_hat)
    np.testing.assert_allclose(value, OFFICIAL["cs_div"], rtol=1e-4)
    np.testing.assert_allclose(
        grad.ravel(), OFFICIAL["cs_div_grad"], rtol=1e-3, atol=2e-6
    )
    wide = kzoo.losses.ConditionalCSDivergenceLoss(sigma=2.0)
    np.testing.assert_allclose(
        _np(wide(packed, y_hat)), OFFICIAL["cs_div_sigma2"], rtol=1e-3
    )
    for normalized, key in ((False, "cs_qmi"), (True, "cs_qmi_norm")):
        loss = kzoo.losses.CSQMILoss(normalized=normalized)
        value, grad = value_and_grad(lambda z: loss(x, z), t)
        np.testing.assert_allclose(value, OFFICIAL[key], rtol=1e-5)
        np.testing.assert_allclose(
            grad.ravel(), OFFICIAL[key + "_grad"], rtol=1e-3, atol=2e-6
        )


@pytest.mark.parametrize("sigma,square_of_sum", [(0.7, False), (1.5, True)])
def test_matches_float64_double_loops(sigma, square_of_sum):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(6, 2))
    y = rng.normal(size=(6, 2))
    y_hat = y + 0.3 * rng.normal(size=(6, 2))
    denominator = "square_of_sum" if square_of_sum else "sum_of_squares"
    loss = kzoo.losses.ConditionalCSDivergenceLoss(
        target_dim=2, sigma=sigma, denominator=denominator
    )
    packed = np.concatenate([y, x], 1).astype("float32")
    _, grad = value_and_grad(lambda z: loss(packed, z), y_hat.astype("f4"))

    def reference(z):
        return ref.conditional_cs_divergence(x, y, z, sigma, square_of_sum)

    np.testing.assert_allclose(
        _np(loss(packed, y_hat.astype("f4"))), reference(y_hat), rtol=2e-3,
        atol=1e-6,
    )  # fmt: skip
    np.testing.assert_allclose(
        grad, numerical_gradient(reference, y_hat), rtol=2e-3, atol=1e-5
    )
    t = rng.normal(size=(6, 3))
    qmi = kzoo.losses.CSQMILoss(sigma=sigma)
    _, grad = value_and_grad(lambda z: qmi(x.astype("f4"), z), t.astype("f4"))
    np.testing.assert_allclose(
        _np(qmi(x.astype("f4"), t.astype("f4"))),
        ref.cs_qmi(x, t, sigma),
        rtol=1e-4,
    )
    np.testing.assert_allclose(
        grad,
        numerical_gradient(lambda z: ref.cs_qmi(x, z, sigma), t),
        rtol=2e-3,
        atol=1e-5,
    )


def test_identities_and_degenerate_batches():
    x, y, y_hat, t = _official_inputs()
    packed = np.concatenate([y, x], 1)
    div = kzoo.losses.ConditionalCSDivergenceLoss()
    np.testing.assert_allclose(_np(div(packed, y)), 0.0, atol=1e-6)
    np.testing.assert_allclose(
        _np(kzoo.losses.CSQMILoss()(x, x)), 1.0, rtol=1e-5
    )
    assert _np(kzoo.losses.CSQMILoss(normalized=False)(x, t)) >= 0.0
    cases = {
        "batch_of_one": (packed[:1], y_hat[:1], x[:1], t[:1]),
        "identical_latents": (packed, y_hat, x, np.repeat(t[:1], 8, 0)),
        "identical_predictions": (packed, np.repeat(y_hat[:1], 8, 0), x, t),
        "far_apart": (packed * 100, y_hat * 100, x * 100, t * 100),
    }
    for case, (p, yh, xx, tt) in cases.items():
        for loss, a, b in ((div, p, yh), (kzoo.losses.CSQMILoss(), xx, tt)):
            value, grad = value_and_grad(lambda z: loss(a, z), b)
            assert np.isfinite(value) and np.all(np.isfinite(grad)), case


def test_mixed_precision_serialization_and_bad_arguments(tmp_path):
    x, y, y_hat, t = _official_inputs()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        out = kzoo.losses.CSQMILoss()(x, keras.ops.cast(t, "bfloat16"))
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
        np.testing.assert_allclose(_np(out), OFFICIAL["cs_qmi_norm"], rtol=3e-2)
    finally:
        keras.config.set_dtype_policy("float32")
    for loss in (
        kzoo.losses.ConditionalCSDivergenceLoss(
            target_dim=2, sigma=0.5, denominator="square_of_sum"
        ),
        kzoo.losses.CSQMILoss(sigma=3.0, normalized=False),
    ):
        restored = keras.losses.deserialize(keras.losses.serialize(loss))
        assert type(restored) is type(loss)
        assert restored.get_config() == loss.get_config()
    bad = [
        (kzoo.losses.CSQMILoss, {"sigma": 0}, "Received: sigma=0"),
        (kzoo.losses.CSQMILoss, {"normalized": 1}, "Received: normalized=1"),
        (kzoo.losses.ConditionalCSDivergenceLoss, {"target_dim": 0},
         "Received: target_dim=0"),
        (kzoo.losses.ConditionalCSDivergenceLoss, {"denominator": "x"},
         "Received: denominator='x'"),
    ]  # fmt: skip
    for cls, kwargs, match in bad:
        with pytest.raises(ValueError, match=match):
            cls(**kwargs)
    with pytest.raises(ValueError, match="y_true"):
        kzoo.losses.ConditionalCSDivergenceLoss()(y, y_hat)


def _cs_ib_model():
    inputs = keras.Input((3,))
    t = keras.layers.Dense(4, activation="tanh", name="latent")(inputs)
    y_hat = keras.layers.Dense(1, name="prediction")(t)
    return keras.Model(inputs, {"prediction": y_hat, "latent": t})


@pytest.mark.requires_trainable_backend
@pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
def test_fit_smoke_and_keras_file(jit_compile, tmp_path):
    # The documented CS-IB recipe: the model returns prediction and latent.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-1.0], [0.5]])).astype("float32")
    model = _cs_ib_model()
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss={
            "prediction": kzoo.losses.ConditionalCSDivergenceLoss(),
            "latent": kzoo.losses.CSQMILoss(),
        },
        loss_weights={"prediction": 1.0, "latent": 0.01},
        jit_compile=jit_compile,
    )
    targets = {"prediction": np.concatenate([y, x], 1), "latent": x}
    history = model.fit(x, targets, batch_size=16, epochs=1, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    if not jit_compile:
        path = os.path.join(tmp_path, "csib.keras")
        model.save(path)
        loaded = keras.saving.load_model(path)
        np.testing.assert_allclose(
            loaded.predict(x, verbose=0)["prediction"],
            model.predict(x, verbose=0)["prediction"],
            rtol=1e-5,
        )
