import math

import numpy as np
import pytest

import kzoo
from kzoo.testing import ClassificationLossChecklist
from kzoo.testing import numerical_gradient
from kzoo.testing import value_and_grad
from tests.reference import classification as ref

# Official reference numbers. Source: github.com/Optimization-AI/ICML2023_LDR,
# commit 732fc85dbd8b30b6dd16cd2dfb79d6c325558d71, loss.py (`LDRLoss_V1`,
# `ALDRLoss_V1`), run on CPU in float64 in a throwaway harness (`.cuda()`
# calls removed, the λ buffer made float64): losses on F, Y_ONE_HOT, the
# gradient of the returned batch mean with `backward()`. LibAUC 2.0.1 has no
# LDR/ALDR class, so the official repository is the reference.
F = np.array(
    [
        [0.2515, -0.2642, 1.2808, 0.2098],
        [-1.0713, 0.7232, 2.608, 1.8942],
        [-1.4075, -2.5308, -1.2465, 0.0827],
        [-4.6501, -0.4376, -2.4918, -1.4645],
        [-1.0885, -0.6326, 0.8233, 2.085],
    ]
)
Y = np.array([0, 2, 3, 1, 2])
# LDRLoss_V1(threshold=2.0, Lambda=1.0)(F, onehot(Y))
OFFICIAL_LDR_C2_L1 = 1.0289236171
OFFICIAL_LDR_C2_L1_GRAD = [
    [-0.12695191, 0.00981746, 0.07496647, 0.01892031],
    [0.01108969, 0.03895062, -0.08786546, 0.07486902],
    [0.07681193, 0.02400023, 0.09173756, -0.15171649],
    [0.004757, -0.16352982, 0.04322768, 0.14253856],
    [-0.0008938, -0.00015709, -0.14814777, 0.10271752],
]
# LDRLoss_V1(threshold=0.1, Lambda=10.0)(F, onehot(Y))
OFFICIAL_LDR_C01_L10 = -0.6192153578
OFFICIAL_LDR_C01_L10_GRAD = [
    [-0.095027, 0.01948632, 0.03948643, 0.02550308],
    [0.01365658, 0.03715912, -0.06736223, 0.0496748],
    [0.06745294, 0.02480909, 0.07696124, -0.13309305],
    [0.00554172, -0.14133413, 0.04535375, 0.11438685],
    [0.01265789, 0.01764212, -0.09795478, 0.05294892],
]


class TestLDRKLLoss(ClassificationLossChecklist):
    # Parity: official LDRLoss_V1 numbers above, the float64 loop reference
    # tests/reference/classification.py::ldr_kl, and CE − log K.
    loss_class = kzoo.losses.LDRKLLoss
    bad_kwargs = [
        ({"margin": -1.0}, r"Received: margin=-1.0"),
        ({"temperature": 0}, r"Received: temperature=0"),
        ({"logit_normalization": "l2"}, r"Received: logit_normalization='l2'"),
    ]


@pytest.mark.parametrize(
    "margin,lam,value,grad",
    [
        (2.0, 1.0, OFFICIAL_LDR_C2_L1, OFFICIAL_LDR_C2_L1_GRAD),
        (0.1, 10.0, OFFICIAL_LDR_C01_L10, OFFICIAL_LDR_C01_L10_GRAD),
    ],
)
def test_softplus_normalization_matches_official_ldr_loss_v1(
    margin, lam, value, grad
):
    loss = kzoo.losses.LDRKLLoss(
        margin=margin, temperature=lam, logit_normalization="softplus"
    )
    got_value, got_grad = value_and_grad(
        lambda t: loss(Y, t), F.astype("float32")
    )
    np.testing.assert_allclose(got_value, value, rtol=1e-5)
    np.testing.assert_allclose(got_grad, np.array(grad), atol=2e-6)


def test_identity_ce_minus_log_k():
    # LDR-KL(c = 0, λ = 1) = CE − log K (PAPERS_OTHER.md Appendix A).
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 5)).astype("float32")
    y = np.array([0, 2, 4, 1])
    got = kzoo.losses.ldr_kl(y, x, margin=0.0, temperature=1.0)
    np.testing.assert_allclose(
        np.asarray(got), ref.cross_entropy(y, x) - math.log(5), atol=2e-6
    )


@pytest.mark.parametrize(
    "margin,lam,expected",
    # PAPERS_OTHER.md §3, float64: f = [2, 0.5, -1], y = 0, bare formula.
    [(0.0, 1.0, -0.8573010), (0.1, 10.0, -1.3634609)],
)
def test_hand_values(margin, lam, expected):
    got = kzoo.losses.LDRKLLoss(margin=margin, temperature=lam)(
        np.array([0]), np.array([[2.0, 0.5, -1.0]], "float32")
    )
    np.testing.assert_allclose(float(got), expected, rtol=1e-6)


@pytest.mark.parametrize("margin,lam", [(0.1, 10.0), (1.0, 0.5)])
def test_matches_float64_reference_value_and_gradient(margin, lam):
    rng = np.random.default_rng(4)
    y = rng.integers(0, 4, size=6)
    x = rng.normal(scale=2.0, size=(6, 4)).astype("float32")
    loss = kzoo.losses.LDRKLLoss(margin, lam, reduction="none")
    np.testing.assert_allclose(
        np.asarray(loss(y, x)), ref.ldr_kl(y, x, margin, lam), atol=2e-6
    )
    _, grad = value_and_grad(
        lambda t: kzoo.losses.LDRKLLoss(margin, lam)(y, t), x
    )
    expected = numerical_gradient(
        lambda t: ref.ldr_kl(y, t, margin, lam).mean(), x
    )
    np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-6)


def test_temperature_limits():
    # λ → ∞: mean gap; λ → 0: max gap (a multi-class hinge).
    x = np.array([[2.0, 0.5, -1.0]], "float32")
    y = np.array([0])
    gaps = x[0] - x[0, 0] + 0.3 * np.array([0, 1, 1])
    big = kzoo.losses.ldr_kl(y, x, margin=0.3, temperature=1e4)
    small = kzoo.losses.ldr_kl(y, x, margin=0.3, temperature=1e-3)
    np.testing.assert_allclose(float(big[0]), gaps.mean(), atol=1e-3)
    np.testing.assert_allclose(float(small[0]), gaps.max(), atol=2e-3)


def test_normalizations_are_scale_invariant():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(4, 3)).astype("float32")
    y = np.array([0, 1, 2, 0])
    loss = kzoo.losses.LDRKLLoss(logit_normalization="l1")
    np.testing.assert_allclose(
        float(loss(y, 7.0 * x)), float(loss(y, x)), rtol=1e-5
    )
