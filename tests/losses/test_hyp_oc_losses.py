"""Hyp-PC against geoopt's Poincaré distance and the float64 reference (both
distance variants), Hyp-CE against Keras' sparse cross-entropy."""

import os

import keras
import numpy as np
import pytest

import kzoo
from kzoo.testing import numerical_gradient
from kzoo.testing import value_and_grad
from tests.reference import hyperbolic as ref

C = 0.1


def _z(n=6, d=3, seed=0):
    x = np.random.default_rng(seed).normal(size=(n, d))
    return ref.to_poincare(x, C, 2.0)


def test_hand_values_of_both_distances():
    # PAPERS_OTHER.md appendix A (float64 numpy): artanh 1.6753490, the
    # official code's arctan 1.6020637; Hyp-PC of 2 rows = d / 2.
    z = np.array([[0.3, 0.4], [-0.5, 0.2]], "float32")
    for distance, d in (("artanh", 1.6753490), ("arctan_official", 1.6020637)):
        loss = kzoo.losses.HypPairwiseConfusionLoss(
            c=0.1, distance=distance, one_class_batch=False
        )
        got = float(keras.ops.convert_to_numpy(loss(None, z)))
        np.testing.assert_allclose(got, d / 2, rtol=1e-6)


@pytest.mark.parametrize("distance", ["artanh", "arctan_official"])
def test_hyp_pc_value_and_gradient(distance):
    z = _z()
    loss = kzoo.losses.HypPairwiseConfusionLoss(
        c=C, distance=distance, one_class_batch=False
    )
    value, grad = value_and_grad(lambda t: loss(None, t), z.astype("float32"))
    np.testing.assert_allclose(value, ref.hyp_pc(z, C, distance), rtol=1e-5)
    num = numerical_gradient(lambda t: ref.hyp_pc(t, C, distance), z)
    np.testing.assert_allclose(grad, num, rtol=1e-3, atol=1e-5)
    if distance == "artanh":  # independent: geoopt's PoincareBall.dist
        geoopt = pytest.importorskip(
            "geoopt", reason="a pinned test extra (pip install .[test])"
        )
        torch = pytest.importorskip(
            "torch", reason="a pinned test extra (pip install .[test])"
        )
        t = torch.tensor(z, requires_grad=True)
        d = geoopt.PoincareBall(c=C).dist(t[:3], t[3:])
        (d.sum() / 6).backward()
        d = d.detach()
        np.testing.assert_allclose(value, d.sum().item() / 6, rtol=1e-5)
        np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-3, atol=1e-5)


def test_one_class_batch_uses_the_real_half_only():
    z = _z(n=8)
    loss = kzoo.losses.HypPairwiseConfusionLoss(c=C)
    got = float(keras.ops.convert_to_numpy(loss(np.zeros(4), z)))
    np.testing.assert_allclose(got, ref.hyp_pc(z[:4], C), rtol=1e-5)
    _, grad = value_and_grad(lambda t: loss(None, t), z.astype("float32"))
    np.testing.assert_array_equal(grad[4:], 0.0)
    with pytest.raises(ValueError, match="even"):
        loss(None, z[:7])


def test_degenerate_batches_are_finite():
    loss = kzoo.losses.HypPairwiseConfusionLoss(c=C, one_class_batch=False)
    same = np.tile(_z(n=1), (4, 1)).astype("float32")
    value, grad = value_and_grad(lambda t: loss(None, t), same)
    assert value == pytest.approx(0.0, abs=1e-6)
    # d has a kink at coincident points (like |t|): float32 rounding leaves
    # (−x) ⊕ x ≈ 1e-8, whose direction is noise, so only a finite,
    # bounded subgradient (‖∂d/∂x‖ ≤ λ_x/N per row) is asked.
    lam = 2 / (1 - C * np.sum(same[0].astype("float64") ** 2))
    assert np.all(np.isfinite(grad))
    assert np.all(np.linalg.norm(grad, axis=1) <= lam / 4 * 1.01)
    one = _z(n=1).astype("float32")
    assert float(keras.ops.convert_to_numpy(loss(None, one))) == 0.0
    origin = np.zeros((2, 3), "float32")
    _, grad = value_and_grad(lambda t: loss(None, t), origin)
    assert np.all(np.isfinite(grad))
    odd = _z(n=5).astype("float32")  # last row unpaired
    got = float(keras.ops.convert_to_numpy(loss(None, odd)))
    m = ref.mobius_add(-odd[:2].astype("float64"), odd[2:4], C)
    d = 2 / np.sqrt(C) * np.arctanh(np.sqrt(C) * np.linalg.norm(m, axis=1))
    np.testing.assert_allclose(got, d.sum() / 5, rtol=1e-5)


def test_hyp_ce_matches_sparse_cross_entropy():
    logits = np.random.default_rng(0).normal(size=(6, 2)).astype("float32")
    labels = np.array([0, 0, 0, 1, 1, 1])
    keras_ce = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    expected, g_expected = value_and_grad(lambda t: keras_ce(labels, t), logits)
    for loss, y in (
        (kzoo.losses.HypCrossEntropyLoss(), np.zeros(3)),
        (kzoo.losses.HypCrossEntropyLoss(one_class_batch=False), labels),
    ):
        value, grad = value_and_grad(lambda t: loss(y, t), logits)
        np.testing.assert_allclose(value, expected, rtol=1e-6)
        np.testing.assert_allclose(grad, g_expected, rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError, match="even"):
        kzoo.losses.HypCrossEntropyLoss()(None, logits[:5])


def test_mixed_precision_gives_float32():
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        z = keras.ops.cast(_z(n=4), "bfloat16")
        for loss in (
            kzoo.losses.HypPairwiseConfusionLoss(c=C),
            kzoo.losses.HypCrossEntropyLoss(),
        ):
            out = loss(None, z[:, :2])
            assert keras.backend.standardize_dtype(out.dtype) == "float32"
            assert np.isfinite(float(keras.ops.convert_to_numpy(out)))
    finally:
        keras.config.set_dtype_policy("float32")


def test_config_and_keras_file_round_trip(tmp_path):
    for loss in (
        kzoo.losses.HypPairwiseConfusionLoss(0.3, "arctan_official", False),
        kzoo.losses.HypCrossEntropyLoss(one_class_batch=False),
    ):
        again = type(loss).from_config(loss.get_config())
        assert again.get_config() == loss.get_config()
    model = keras.Sequential([keras.Input((3,)), kzoo.layers.ToPoincare(c=C)])
    model.compile(loss=kzoo.losses.HypPairwiseConfusionLoss(c=C))
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.loss, kzoo.losses.HypPairwiseConfusionLoss)
    assert loaded.loss.c == C


def test_bad_arguments():
    with pytest.raises(ValueError, match="Received: c=0"):
        kzoo.losses.HypPairwiseConfusionLoss(c=0)
    with pytest.raises(ValueError, match="Received: distance='arctan'"):
        kzoo.losses.HypPairwiseConfusionLoss(distance="arctan")
    with pytest.raises(ValueError, match="Received: one_class_batch=1"):
        kzoo.losses.HypCrossEntropyLoss(one_class_batch=1)


def test_deprecated_name_and_configs_saved_before_the_rename():
    with pytest.warns(DeprecationWarning, match="HypCrossEntropyLoss"):
        old = kzoo.losses.HypCrossEntropy
    assert old is kzoo.losses.HypCrossEntropyLoss
    # What `keras.losses.serialize` wrote before the rename (module hyp_oc,
    # registered name kzoo>HypCrossEntropy, no reduction).
    saved = {
        "module": "kzoo.losses.hyperbolic.hyp_oc",
        "class_name": "HypCrossEntropy",
        "config": {
            "name": "hyp_cross_entropy",
            "dtype": None,
            "one_class_batch": False,
        },
        "registered_name": "kzoo>HypCrossEntropy",
    }
    restored = keras.losses.deserialize(saved)
    assert type(restored) is kzoo.losses.HypCrossEntropyLoss
    assert restored.one_class_batch is False
    assert (
        keras.losses.serialize(restored)["registered_name"]
        == "kzoo>HypCrossEntropyLoss"
    )
