import os

import keras
import numpy as np
import pytest

import kzoo
from kzoo.testing import value_and_grad
from kzoo.testing.gradients import directional_derivative
from tests.reference import contrastive as ref

# PAPERS_METRIC.md §6: both official SimLAP variants run on these logits
# (erow/FastSSL model/simlap.py @ a04150d and the paper-era script):
# per-anchor 1.0505698, global 1.1419239.
LOGITS = np.array(
    [[5, 1, 2, 0.5], [1, 5, 0, 3], [2, 0, 5, 1], [0.5, 3, 1, 5]], "float32"
)
PAIRS = np.array([[0, 1], [1, 2], [2, 0], [1, 0]], "int32")


def _np(x):
    return keras.ops.convert_to_numpy(x)


@pytest.mark.parametrize(
    "normalize,expected", [("per_anchor", 1.0505698), ("global", 1.1419239)]
)
def test_official_fixture(normalize, expected):
    loss = kzoo.losses.MultiPositiveInfoNCELoss(normalize=normalize)
    np.testing.assert_allclose(float(loss(PAIRS, LOGITS)), expected, 1e-6)


def _batch(seed, n=8, classes=3):
    rng = np.random.default_rng(seed)
    y1 = rng.integers(0, classes, n)
    pairs = np.stack([y1, rng.permutation(y1)], 1).astype("int32")
    return pairs, rng.normal(scale=2.0, size=(n, n)).astype("float32")


@pytest.mark.parametrize("normalize", ["per_anchor", "global"])
@pytest.mark.parametrize("seed", [0, 1])
def test_matches_float64_reference_and_finite_differences(normalize, seed):
    pairs, logits = _batch(seed)
    loss = kzoo.losses.MultiPositiveInfoNCELoss(0.5, normalize=normalize)
    value, grad = value_and_grad(lambda t: loss(pairs, t), logits)
    np.testing.assert_allclose(
        value,
        ref.multi_positive_info_nce(pairs, logits, 0.5, normalize),
        rtol=1e-5,
    )
    d = np.random.default_rng(seed).normal(size=logits.shape)
    d = (d / np.linalg.norm(d)).astype("float32")
    numeric = directional_derivative(
        lambda t: float(_np(loss(pairs, t))), logits, d
    )
    np.testing.assert_allclose(np.sum(grad * d), numeric, rtol=2e-2, atol=2e-3)


@pytest.mark.parametrize("normalize", ["per_anchor", "global"])
def test_distinct_classes_equal_cross_view_cross_entropy(normalize):
    # One sample per class and y2 = y1: the only positive of anchor i is
    # its other view (the diagonal), every other column is a negative — the
    # cross-view InfoNCE, i.e. softmax cross-entropy with targets arange(B).
    # Reference: torch.nn.functional.cross_entropy, value and gradient.
    import torch

    rng = np.random.default_rng(3)
    logits = rng.normal(scale=2.0, size=(6, 6)).astype("float32")
    t = torch.tensor(logits.astype("float64") / 0.3, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(t, torch.arange(6))
    expected.backward()
    pairs = np.stack([np.arange(6), np.arange(6)], 1).astype("int32")
    loss = kzoo.losses.MultiPositiveInfoNCELoss(0.3, normalize=normalize)
    value, grad = value_and_grad(lambda x: loss(pairs, x), logits)
    np.testing.assert_allclose(value, float(expected.detach()), rtol=2e-5)
    np.testing.assert_allclose(grad, t.grad.numpy() / 0.3, rtol=1e-4, atol=1e-6)


def test_degenerate_reductions_and_config():
    loss = kzoo.losses.MultiPositiveInfoNCELoss()
    # No positives at all, one class, batch of one: finite, zero.
    for pairs, logits in [
        (np.array([[0, 5], [1, 5]], "int32"), LOGITS[:2, :2]),
        (np.zeros((4, 2), "int32"), LOGITS),
        (np.array([[0, 0]], "int32"), LOGITS[:1, :1]),
    ]:
        value, grad = value_and_grad(lambda t: loss(pairs, t), logits)
        assert np.isfinite(value) and np.all(np.isfinite(grad))
    per = _np(
        kzoo.losses.MultiPositiveInfoNCELoss(reduction="none")(PAIRS, LOGITS)
    )
    w = np.array([0.0, 1.0, 2.0, 0.5], "float32")
    np.testing.assert_allclose(
        float(
            kzoo.losses.MultiPositiveInfoNCELoss(reduction="sum")(
                PAIRS, LOGITS, sample_weight=w
            )
        ),
        np.sum(per * w),
        rtol=1e-5,
    )
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert restored.get_config() == loss.get_config()
    np.testing.assert_allclose(
        _np(kzoo.losses.multi_positive_info_nce(PAIRS, LOGITS)), per, 1e-6
    )
    with pytest.raises(ValueError, match="Received: normalize='x'"):
        kzoo.losses.MultiPositiveInfoNCELoss(normalize="x")
    with pytest.raises(ValueError, match="Received: temperature=0"):
        kzoo.losses.MultiPositiveInfoNCELoss(temperature=0)
    with pytest.raises(ValueError, match="y_true"):
        loss(PAIRS[:, :1], LOGITS)
    with pytest.raises(ValueError, match="y_pred"):
        loss(PAIRS, LOGITS[:, :3])


def test_mixed_precision_is_float32():
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        loss = kzoo.losses.MultiPositiveInfoNCELoss()
        out = loss(PAIRS, keras.ops.cast(LOGITS, "bfloat16"))
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
    finally:
        keras.config.set_dtype_policy("float32")


# ----------------------------------------------------------------- PairGate


def _gate(**kwargs):
    return kzoo.layers.PairGate(4, embed_dim=6, hidden_dim=8, seed=3, **kwargs)


def _inputs(seed=0, n=6, dim=5):
    rng = np.random.default_rng(seed)
    z1 = rng.normal(size=(n, dim)).astype("float32")
    z2 = z1 + 0.1 * rng.normal(size=(n, dim)).astype("float32")
    return z1, z2, np.array([0, 1, 2, 3, 0, 1], "int32")


def _gate_values(gate, z1, z2, y1):
    y1t = keras.ops.convert_to_tensor(y1)
    y2 = gate.second_labels(y1t)
    g = _np(gate.gate(y1t, y2, training=False)).astype("float64")
    return _np(y2), g


@pytest.mark.parametrize("variant", ["fastssl", "paper"])
@pytest.mark.parametrize("fuse", [True, False])
def test_pair_gate_logits_match_numpy(variant, fuse):
    z1, z2, y1 = _inputs()
    gate = _gate(variant=variant, fuse=fuse, pairing="identical")
    logits, pairs = gate([z1, z2, y1], training=False)
    y2, g = _gate_values(gate, z1, z2, y1)
    np.testing.assert_array_equal(_np(pairs), np.stack([y1, y2], 1))

    def n(v):
        return v / np.linalg.norm(v, axis=-1, keepdims=True)

    a, b = z1.astype("float64"), z2.astype("float64")
    if variant == "fastssl":
        expected = (n(a) * g * g) @ n(b).T
    else:
        expected = np.einsum("id,ijd->ij", n(a * g), n(b[None] * g[:, None]))
    np.testing.assert_allclose(_np(logits), expected, rtol=1e-5, atol=1e-6)


def test_pairings():
    y1 = keras.ops.convert_to_tensor(np.array([0, 1, 2, 3, 3, 1], "int32"))
    arb = _np(_gate(pairing="arbitrary").second_labels(y1))
    assert sorted(arb) == sorted(_np(y1))  # a permutation of the batch
    dis = _np(_gate(pairing="distinct").second_labels(y1))
    assert np.all(dis != _np(y1)) and np.all((dis >= 0) & (dis < 4))
    same = _np(_gate(pairing="identical").second_labels(y1))
    np.testing.assert_array_equal(same, _np(y1))


def _gate_model(loss=True):
    z1, z2 = keras.Input((5,)), keras.Input((5,))
    y = keras.Input((), dtype="int32")
    enc = keras.layers.Dense(4)
    gate = _gate(
        name="gate",
        loss=kzoo.losses.MultiPositiveInfoNCELoss(0.2) if loss else None,
    )
    logits, _ = gate([enc(z1), enc(z2), y])
    return keras.Model([z1, z2, y], logits)


@pytest.mark.requires_trainable_backend
@pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
def test_pair_gate_fit_and_keras_file(jit_compile, tmp_path):
    z1, z2, y1 = _inputs(1, n=12)
    y1 = np.tile(np.arange(4, dtype="int32"), 3)
    model = _gate_model()
    before = [np.array(w) for w in model.trainable_weights]
    model.compile(optimizer="sgd", jit_compile=jit_compile)
    hist = model.fit([z1, z2, y1], batch_size=6, epochs=1, verbose=0)
    assert np.isfinite(hist.history["loss"][0]) and hist.history["loss"][0] > 0
    assert any(
        not np.allclose(a, _np(b))
        for a, b in zip(before, model.trainable_weights)
    )
    if jit_compile:
        return
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)  # no custom_objects
    gate = loaded.get_layer("gate")
    assert isinstance(
        gate.contrastive_loss, kzoo.losses.MultiPositiveInfoNCELoss
    )
    assert gate.get_config() == model.get_layer("gate").get_config()


def test_pair_gate_mixed_precision_and_bad_arguments():
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        z1, z2, y1 = _inputs()
        logits, _ = _gate()([z1, z2, y1])
        assert np.all(np.isfinite(_np(keras.ops.cast(logits, "float32"))))
    finally:
        keras.config.set_dtype_policy("float32")
    for kwargs, match in [
        ({"num_classes": 1}, "Received: num_classes=1"),
        ({"num_classes": 4, "pairing": "x"}, "Received: pairing='x'"),
        ({"num_classes": 4, "variant": "x"}, "Received: variant='x'"),
        ({"num_classes": 4, "fuse": 1}, "Received: fuse=1"),
        ({"num_classes": 4, "embed_dim": 0}, "Received: embed_dim=0"),
    ]:
        with pytest.raises(ValueError, match=match):
            kzoo.layers.PairGate(**kwargs)
