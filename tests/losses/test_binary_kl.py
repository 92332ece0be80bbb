"""BinaryKLLoss / BinaryKLNormLoss (Dual-Head KD, Yang et al., 2024).

Parity: the official `distiller_zoo/BinaryKL.py` and `BinaryKLNorm.py` of
github.com/penghui-yang/DHKD (commit 7976c69), run in a throwaway harness
(torch 2.13, float64, T = 2) on `s, t = rng.normal(scale=3, size=(3, 4))`
drawn in that order from `np.random.default_rng(1)`; the harness printed the
values and the gradients with respect to the student logits recorded below.
Also a float64 NumPy reference (tests/reference/robust.py).
"""

import keras
import numpy as np
import pytest

import kzoo
from kzoo.testing import numerical_gradient
from kzoo.testing import value_and_grad
from kzoo.testing.checklist import _LossChecklist
from tests.reference import robust as ref

OFFICIAL = {
    "binary_kl": (
        3.562282437094812,
        [0.2519361269189227, 0.22335476334550627, 0.19649633721234003,
         -0.3910372250516782, 0.1870323785710438, 0.1795671488003488,
         0.04835152772074064, 0.20024198839532928, 0.08690211632800339,
         0.14029901932718314, -0.24254382947226755, -0.0832152888099126],
    ),
    "binary_kl_norm": (
        3.5177933229436547,
        [0.2234775691350203, 0.20939170864856987, 0.18123892847263612,
         -0.2969825439515079, 0.19038274174016545, 0.1678681005508868,
         0.06055901123543832, 0.18572633477050765, 0.08704393779020679,
         0.13435457067070694, -0.2464782640646116, -0.1106471379516826],
    ),
}  # fmt: skip


class _LogitTargetChecklist(_LossChecklist):
    """Checklist for losses whose `y_true` is teacher logits `[B, K]`."""

    def batch(self):
        rng = np.random.default_rng(0)
        t = rng.normal(scale=2.0, size=(7, 4)).astype("float32")
        s = rng.normal(scale=2.0, size=(7, 4)).astype("float32")
        return t, s

    def small_model(self):
        return keras.Sequential([keras.Input((6,)), keras.layers.Dense(4)])

    def fit_data(self):
        rng = np.random.default_rng(3)
        x = rng.normal(size=(16, 6)).astype("float32")
        return x, (x @ rng.normal(size=(6, 4))).astype("float32")

    def bad_shapes(self):
        t, s = self.batch()
        return [(t, s[0], "y_pred"), (t[:, :3], s, "same shape")]

    @pytest.mark.parametrize("case", ["equal_logits", "batch_of_one", "huge"])
    def test_degenerate_batches_are_finite(self, case):
        t, s = self.batch()
        if case == "equal_logits":
            s = t.copy()
        elif case == "batch_of_one":
            t, s = t[:1], s[:1]
        else:
            t, s = 1e3 * t, -1e3 * s
        loss = self.make_loss()
        value, grad = value_and_grad(lambda z: loss(t, z), s)
        assert np.isfinite(value) and np.all(np.isfinite(grad))


class TestBinaryKLLoss(_LogitTargetChecklist):
    loss_class = kzoo.losses.BinaryKLLoss
    reference = staticmethod(ref.binary_kl)
    bad_kwargs = [
        ({"temperature": 0}, "Received: temperature=0"),
        ({"temperature": "x"}, "Received: temperature='x'"),
    ]


class TestBinaryKLNormLoss(_LogitTargetChecklist):
    loss_class = kzoo.losses.BinaryKLNormLoss
    bad_kwargs = [({"temperature": -1.0}, "Received: temperature=-1.0")]


@pytest.mark.parametrize(
    "name,cls",
    [
        ("binary_kl", kzoo.losses.BinaryKLLoss),
        ("binary_kl_norm", kzoo.losses.BinaryKLNormLoss),
    ],
)
def test_matches_official_dhkd_value_and_gradient(name, cls):
    rng = np.random.default_rng(1)
    s = rng.normal(scale=3, size=(3, 4)).astype("float32")
    t = rng.normal(scale=3, size=(3, 4)).astype("float32")
    value, grad = value_and_grad(lambda z: cls(temperature=2.0)(t, z), s)
    expected_value, expected_grad = OFFICIAL[name]
    np.testing.assert_allclose(value, expected_value, rtol=1e-5)
    np.testing.assert_allclose(
        grad.ravel(), expected_grad, rtol=1e-4, atol=1e-6
    )


@pytest.mark.parametrize("temperature", [1.0, 4.0])
def test_matches_float64_reference(temperature):
    rng = np.random.default_rng(5)
    t = rng.normal(scale=2, size=(5, 3))
    s = rng.normal(scale=2, size=(5, 3))
    for cls, fn in (
        (kzoo.losses.BinaryKLLoss, ref.binary_kl),
        (kzoo.losses.BinaryKLNormLoss, ref.binary_kl_norm),
    ):
        loss = cls(temperature=temperature, reduction="none")
        got = keras.ops.convert_to_numpy(
            loss(t.astype("float32"), s.astype("float32"))
        )
        np.testing.assert_allclose(got, fn(t, s, temperature), rtol=1e-5)
        mean = cls(temperature=temperature)
        _, grad = value_and_grad(lambda z: mean(t.astype("float32"), z),
                                 s.astype("float32"))  # fmt: skip
        expected = numerical_gradient(lambda z: fn(t, z, temperature).mean(), s)
        np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-6)


def test_hand_value_and_zero_at_equal_logits():
    # PAPERS_OTHER.md §17: one logit, s = 1, t = 0, T = 2 -> 0.1237192.
    loss = kzoo.losses.BinaryKLNormLoss(temperature=2.0)
    value = keras.ops.convert_to_numpy(loss(np.zeros((1, 1)), np.ones((1, 1))))
    np.testing.assert_allclose(value, 0.1237192, rtol=1e-6)
    z = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    for cls in (kzoo.losses.BinaryKLLoss, kzoo.losses.BinaryKLNormLoss):
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(cls()(z, z)), 0.0, atol=1e-6
        )


def test_functional_twins():
    rng = np.random.default_rng(2)
    t, s = rng.normal(size=(2, 4, 3)).astype("float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(kzoo.losses.binary_kl(t, s, 3.0)),
        ref.binary_kl(t, s, 3.0),
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(kzoo.losses.binary_kl_norm(t, s, 3.0)),
        ref.binary_kl_norm(t, s, 3.0),
        rtol=1e-5,
    )
