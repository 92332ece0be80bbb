import os

import keras
import numpy as np
import pytest

import kzoo
from kzoo.testing import numerical_gradient
from kzoo.testing import value_and_grad


def _np(t):
    return keras.ops.convert_to_numpy(t)


def _reference(rho, emb, distance="cosine", threshold=None, weight=False):
    """float64 NumPy from the formula in the docstring (PAPERS_METRIC §3)."""
    d = emb.shape[1] // 2
    a = emb[:, :d] / np.linalg.norm(emb[:, :d], axis=1, keepdims=True)
    b = emb[:, d:] / np.linalg.norm(emb[:, d:], axis=1, keepdims=True)
    dist = 1 - (a * b).sum(1)
    if distance == "squared_l2":
        dist = ((a - b) ** 2).sum(1)
    m = np.ones(len(rho)) if threshold is None else (rho >= threshold) * 1.0
    w = rho if weight else np.ones(len(rho))
    return (m * w * dist).sum() / max(1.0, m.sum())


def test_hand_values():
    # PAPERS_METRIC.md §3: e_L = [1, 0], e_R = [0.6, 0.8]: 1 − cos = 0.4,
    # squared L2 = 0.8.
    emb = np.array([[1.0, 0.0, 0.6, 0.8]], "float32")
    for distance, expected in (("cosine", 0.4), ("squared_l2", 0.8)):
        loss = kzoo.losses.FacialSymmetryLoss(distance=distance)
        np.testing.assert_allclose(
            float(_np(loss(np.ones(1), emb))), expected, rtol=1e-6
        )


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"distance": "squared_l2", "weight_by_rho": True},
        {"rho_threshold": 0.5, "weight_by_rho": True},
    ],
)
def test_value_and_gradient_match_reference(kwargs):
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(6, 8)).astype("float32")
    rho = np.array([0.9, 0.2, 0.7, 0.5, 0.1, 1.0], "float32")
    loss = kzoo.losses.FacialSymmetryLoss(**kwargs)
    value, grad = value_and_grad(lambda t: loss(rho, t), emb)
    ref_kw = dict(
        distance=kwargs.get("distance", "cosine"),
        threshold=kwargs.get("rho_threshold"),
        weight=kwargs.get("weight_by_rho", False),
    )
    np.testing.assert_allclose(
        value, _reference(rho, emb.astype("float64"), **ref_kw), rtol=1e-5
    )
    expected = numerical_gradient(
        lambda t: _reference(rho, t, **ref_kw), emb.astype("float64")
    )
    np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-6)


def test_degenerate_inputs_are_finite():
    emb = np.zeros((3, 4), "float32")
    for kw in ({}, {"rho_threshold": 2.0}):
        loss = kzoo.losses.FacialSymmetryLoss(**kw)
        value, grad = value_and_grad(lambda t: loss(np.ones(3), t), emb)
        assert np.isfinite(value) and np.all(np.isfinite(grad))


def _two_output_model():
    full = keras.Input((8, 8, 1), name="full")
    left = keras.Input((8, 4, 1), name="left")
    right = keras.Input((8, 4, 1), name="right")
    labels = keras.Input((), dtype="int32", name="labels")
    pool = keras.layers.GlobalAveragePooling2D()
    conv = keras.layers.Conv2D(4, 3, padding="same")
    dense = keras.layers.Dense(3)
    embed = lambda t: dense(pool(conv(t)))  # noqa: E731
    logits = kzoo.layers.ArcFaceHead(3, scale=8.0, name="head")(
        embed(full), labels
    )
    halves = keras.layers.Concatenate(name="sym")([embed(left), embed(right)])
    return keras.Model(
        {"full": full, "left": left, "right": right, "labels": labels},
        {"head": logits, "sym": halves},
    )


def test_fit_with_a_margin_head(tmp_path):
    from kzoo.applications import face

    x, y, lm = face.make_face_identities(3, 4, image_size=16, seed=0)
    x = x[:, ::2, ::2, :1].astype("float32") / 255.0
    left, right, rho = face.half_face_pairs(x, lm / 2)
    model = _two_output_model()
    loss = kzoo.losses.FacialSymmetryLoss()
    model.compile(
        optimizer="sgd",
        loss={
            "head": keras.losses.SparseCategoricalCrossentropy(
                from_logits=True
            ),
            "sym": loss,
        },
    )
    inputs = {"full": x, "left": left, "right": right, "labels": y}
    hist = model.fit(
        inputs, {"head": y, "sym": rho}, batch_size=6, epochs=1, verbose=0
    )
    assert np.all(np.isfinite(hist.history["loss"]))
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.loss["sym"].get_config() == loss.get_config()


@pytest.mark.filterwarnings(
    # Keras' dtype lattice is lru_cached; dynamo warns when tracing it.
    "ignore:Dynamo detected a call to a `functools.lru_cache`"
)
def test_fit_smoke_jit():
    # A small two-half embedder compiled (the margin-head model above runs
    # eagerly; torch's inductor compile of it is slow).
    rng = np.random.default_rng(2)
    halves = rng.normal(size=(8, 10)).astype("float32")
    model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(6)])
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=kzoo.losses.FacialSymmetryLoss(rho_threshold=0.5),
        jit_compile=True,
    )
    before = model.get_weights()[0].copy()
    hist = model.fit(halves, rng.uniform(size=8), batch_size=8, verbose=0)
    assert np.all(np.isfinite(hist.history["loss"]))
    assert not np.allclose(before, model.get_weights()[0])


def test_mixed_precision_and_serialization():
    emb = np.random.default_rng(1).normal(size=(4, 6)).astype("float32")
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        out = kzoo.losses.FacialSymmetryLoss()(
            np.ones(4), keras.ops.cast(emb, "bfloat16")
        )
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
    finally:
        keras.config.set_dtype_policy("float32")
    loss = kzoo.losses.FacialSymmetryLoss("squared_l2", 0.3, True)
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert restored.get_config() == loss.get_config()


def test_bad_arguments():
    with pytest.raises(ValueError, match="Received: distance='l1'"):
        kzoo.losses.FacialSymmetryLoss(distance="l1")
    with pytest.raises(ValueError, match="Received: rho_threshold=-1"):
        kzoo.losses.FacialSymmetryLoss(rho_threshold=-1)
    with pytest.raises(ValueError, match="Received: weight_by_rho=1"):
        kzoo.losses.FacialSymmetryLoss(weight_by_rho=1)
    with pytest.raises(ValueError, match="y_pred.shape"):
        kzoo.losses.FacialSymmetryLoss()(np.ones(2), np.ones((2, 3)))
