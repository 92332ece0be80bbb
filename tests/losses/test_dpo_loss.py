import math
import os

import keras
import numpy as np
import pytest

import kzoo
from kzoo.testing import numerical_gradient
from kzoo.testing import value_and_grad
from tests.reference import classification as ref

# Parity: closed forms (policy = reference gives log 2; βΔ = x gives
# softplus(−x)) and the float64 reference
# tests/reference/classification.py::dpo, written from Rafailov et al. (2023)
# eq. 7 and the cDPO smoothing.


def _logps(seed=0, n=6):
    rng = np.random.default_rng(seed)
    return rng.uniform(-40.0, -5.0, size=(n, 4)).astype("float32")


def test_policy_equal_to_reference_gives_log_2():
    lp = _logps()
    lp[:, 2:] = lp[:, :2]
    for kwargs in [{}, {"beta": 5.0}, {"label_smoothing": 0.2}]:
        got = kzoo.losses.DPOLoss(**kwargs)(None, lp)
        np.testing.assert_allclose(float(got), math.log(2.0), rtol=1e-6)


def test_softplus_closed_form():
    # Δ = (−10 − (−12)) − (−20 − (−19)) = 3, β = 0.5 → softplus(−1.5).
    lp = np.array([[-10.0, -20.0, -12.0, -19.0]], "float32")
    got = float(kzoo.losses.DPOLoss(beta=0.5)(None, lp))
    np.testing.assert_allclose(got, math.log1p(math.exp(-1.5)), rtol=1e-6)


@pytest.mark.parametrize("beta,smoothing", [(0.1, 0.0), (5.0, 0.0), (1.0, 0.3)])
def test_matches_float64_reference_value_and_gradient(beta, smoothing):
    lp = _logps(1) / 5.0
    loss = kzoo.losses.DPOLoss(beta=beta, label_smoothing=smoothing)
    value, grad = value_and_grad(lambda t: loss(None, t), lp)
    np.testing.assert_allclose(
        value, ref.dpo(lp, beta, smoothing).mean(), rtol=1e-5
    )
    expected = numerical_gradient(
        lambda t: ref.dpo(t, beta, smoothing).mean(), lp
    )
    np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-7)


def test_length_normalization_divides_by_response_length():
    lp = _logps(2)
    lengths = np.array([[3, 7], [10, 2], [1, 1], [5, 5], [4, 9], [8, 6]])
    normed = lp / np.concatenate([lengths, lengths], 1)
    loss = kzoo.losses.DPOLoss(beta=5.0, length_normalized=True)
    np.testing.assert_allclose(
        float(loss(lengths, lp)), ref.dpo(normed, 5.0).mean(), rtol=1e-5
    )


def test_reductions_and_sample_weight():
    lp = _logps(3)
    per = np.asarray(kzoo.losses.dpo(None, lp, beta=0.2))
    np.testing.assert_allclose(per, ref.dpo(lp, 0.2), rtol=1e-5)
    w = np.linspace(0, 1, 6).astype("float32")
    for reduction, expected in [
        ("sum", (per * w).sum()),
        ("sum_over_batch_size", (per * w).mean()),
        ("mean_with_sample_weight", (per * w).sum() / w.sum()),
    ]:
        got = kzoo.losses.DPOLoss(beta=0.2, reduction=reduction)(None, lp, w)
        np.testing.assert_allclose(float(got), expected, rtol=1e-5)


def test_extreme_margins_are_finite():
    lp = np.array([[0.0, -1e4, -1e4, 0.0], [-1e4, 0.0, 0.0, -1e4]], "float32")
    value, grad = value_and_grad(
        lambda t: kzoo.losses.DPOLoss(beta=5.0)(None, t), lp
    )
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    value, grad = value_and_grad(
        lambda t: kzoo.losses.DPOLoss(length_normalized=True)(
            np.zeros((2, 2)), t
        ),
        lp,
    )  # zero lengths are floored at 1
    assert np.isfinite(value) and np.all(np.isfinite(grad))


def test_bad_arguments_and_shapes_raise():
    for kwargs, match in [
        ({"beta": 0.0}, "Received: beta=0.0"),
        ({"length_normalized": "yes"}, "Received: length_normalized='yes'"),
        ({"label_smoothing": 0.5}, "Received: label_smoothing=0.5"),
        ({"reduction": "avg"}, "reduction"),
    ]:
        with pytest.raises(ValueError, match=match):
            kzoo.losses.DPOLoss(**kwargs)
    with pytest.raises(ValueError, match="y_pred"):
        kzoo.losses.DPOLoss()(None, np.zeros((3, 2), "float32"))
    with pytest.raises(ValueError, match="lengths"):
        kzoo.losses.DPOLoss(length_normalized=True)(
            np.ones(3), np.zeros((3, 4), "float32")
        )


class _PolicyWithReference(keras.layers.Layer):
    """Toy policy: log-probs of two responses from a Dense head, next to
    reference log-probs read from the input columns 4:6."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.head = keras.layers.Dense(2)

    def call(self, x):
        policy = -keras.ops.softplus(self.head(x[:, :4]))
        return keras.ops.concatenate([policy, x[:, 4:6]], axis=-1)


def _model():
    inputs = keras.Input((6,))
    return keras.Model(inputs, _PolicyWithReference()(inputs))


def _fit_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 6)).astype("float32")
    x[:, 4:] = -np.abs(x[:, 4:])
    return x, np.zeros((8, 1), "float32")


@pytest.mark.requires_trainable_backend
@pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
def test_fit_smoke(jit_compile):
    x, y = _fit_data()
    model = _model()
    before = [np.array(w) for w in model.get_weights()]
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=kzoo.losses.DPOLoss(beta=1.0),
        jit_compile=jit_compile,
    )
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert any(
        not np.allclose(a, b) for a, b in zip(before, model.get_weights())
    )


def test_serialization_round_trip(tmp_path):
    loss = kzoo.losses.DPOLoss(
        beta=5.0, length_normalized=True, label_smoothing=0.1
    )
    serialized = keras.losses.serialize(loss)
    assert serialized["registered_name"] == "kzoo>DPOLoss"
    assert keras.losses.deserialize(serialized).get_config() == (
        loss.get_config()
    )
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(4)])
    model.compile(optimizer="sgd", loss=loss)
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded.loss) is kzoo.losses.DPOLoss
    assert loaded.loss.get_config() == loss.get_config()


def test_mixed_precision():
    lp = _logps()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        out = kzoo.losses.DPOLoss()(None, keras.ops.cast(lp, "bfloat16"))
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
        assert np.isfinite(float(out))
    finally:
        keras.config.set_dtype_policy("float32")
