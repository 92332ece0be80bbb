"""KDLandmarkLoss / AssistiveLoss (Fard & Mahoor, CVIU 2022).

Parity: the official `Custom_losses.kd_loss` of github.com/aliprf/KD-Loss
(commit 5f6f045, `custom_Losses.py`), run in a throwaway TF 2.21 harness (its
unrelated imports stubbed) with the defaults α_tough = 1.9, α⁻_tough = −0.45,
α_tol = 1.8, α⁻_tol = −0.4, weights (2, 1, 1), on float32 inputs drawn from
`np.random.default_rng(3)`: gt = uniform(−1, 1, (4, 6)), tough = gt +
0.1·normal, tol = gt + 0.2·normal, pred = gt + 0.15·normal. Recorded: the
total, its three parts and the gradient with respect to pred. Also an
element-wise float64 loop reference (tests/reference/robust.py).
"""

import keras
import numpy as np
import pytest

import kzoo
from kzoo.testing import value_and_grad
from kzoo.testing.checklist import _LossChecklist
from tests.reference import robust as ref

OFFICIAL_TOTAL = 0.7995630502700806
OFFICIAL_PARTS = (0.5874568223953247, 0.15312038362026215, 0.05898584797978401)
OFFICIAL_GRAD = [
    0.1939326822757721, -0.34583333134651184, 0.10261329263448715,
    -0.34583333134651184, 0.18931575119495392, -0.25, -0.10305626690387726,
    -0.1971212923526764, 0.19621232151985168, 0.34583333134651184,
    0.34583333134651184, 0.18261370062828064, 0.2854166626930237,
    -0.10973116755485535, -0.34583333134651184, -0.2854166626930237,
    0.34583333134651184, -0.19067619740962982, -0.34583333134651184,
    -0.2854166626930237, 0.3291666507720947, 0.34583333134651184,
    -0.18539409339427948, -0.1974170058965683,
]  # fmt: skip


def _official_inputs():
    rng = np.random.default_rng(3)
    gt = rng.uniform(-1, 1, size=(4, 6))
    tough = gt + 0.1 * rng.normal(size=(4, 6))
    tol = gt + 0.2 * rng.normal(size=(4, 6))
    pred = gt + 0.15 * rng.normal(size=(4, 6))
    return [a.astype("float32") for a in (gt, tough, tol, pred)]


def _landmarks(n, seed):
    rng = np.random.default_rng(seed)
    gt = rng.uniform(-1, 1, size=(n, 6))
    tough = gt + 0.1 * rng.normal(size=gt.shape)
    tol = gt + 0.2 * rng.normal(size=gt.shape)
    return gt, tough, tol


class TestKDLandmarkLoss(_LossChecklist):
    loss_class = kzoo.losses.KDLandmarkLoss
    bad_kwargs = [
        ({"alpha_tough": "x"}, "Received: alpha_tough='x'"),
        ({"main_weight": -1}, "Received: main_weight=-1"),
        ({"tol_weight": None}, "Received: tol_weight=None"),
    ]
    # The loss is piecewise linear with kinks where the weights switch;
    # central differences at step 1e-3 straddle none at this point.
    fd_atol = 5e-3

    def batch(self):
        gt, tough, tol = _landmarks(5, 0)
        pred = gt + 0.3 * np.random.default_rng(1).normal(size=gt.shape)
        y = np.stack([gt, tough, tol], 1).astype("float32")
        return y, pred.astype("float32")

    def small_model(self):
        return keras.Sequential([keras.Input((4,)), keras.layers.Dense(6)])

    def fit_data(self):
        gt, tough, tol = _landmarks(16, 2)
        x = np.random.default_rng(4).normal(size=(16, 4)).astype("float32")
        return x, np.stack([gt, tough, tol], 1).astype("float32")

    def bad_shapes(self):
        y, x = self.batch()
        return [(y, x[0], "y_pred"), (y[:, :2], x, "y_true")]

    @pytest.mark.parametrize("case", ["perfect", "batch_of_one", "ties"])
    def test_degenerate_batches_are_finite(self, case):
        y, x = self.batch()
        if case == "perfect":
            x = y[:, 0].copy()
        elif case == "batch_of_one":
            y, x = y[:1], x[:1]
        else:
            y = np.repeat(y[:, :1], 3, axis=1)
        value, grad = value_and_grad(lambda z: self.make_loss()(y, z), x)
        assert np.isfinite(value) and np.all(np.isfinite(grad))


class TestAssistiveLoss(_LossChecklist):
    loss_class = kzoo.losses.AssistiveLoss
    bad_kwargs = [({"alpha": "a"}, "Received: alpha='a'")]
    fd_atol = 5e-3

    def batch(self):
        y, x = TestKDLandmarkLoss.batch(self)
        return y[:, :2], x

    small_model = TestKDLandmarkLoss.small_model

    def fit_data(self):
        x, y = TestKDLandmarkLoss.fit_data(self)
        return x, y[:, :2]

    def bad_shapes(self):
        y, x = self.batch()
        return [(y, x[0], "y_pred"), (y[:, :1], x, "y_true")]


def test_matches_official_kd_loss_value_and_gradient():
    gt, tough, tol, pred = _official_inputs()
    y = np.stack([gt, tough, tol], 1)
    value, grad = value_and_grad(
        lambda z: kzoo.losses.KDLandmarkLoss()(y, z), pred
    )
    np.testing.assert_allclose(value, OFFICIAL_TOTAL, rtol=1e-5)
    np.testing.assert_allclose(grad.ravel(), OFFICIAL_GRAD, atol=1e-6)
    main = kzoo.losses.KDLandmarkLoss(tough_weight=0.0, tol_weight=0.0)
    tough_part = kzoo.losses.AssistiveLoss(alpha=1.9, alpha_neg=-0.45)
    tol_part = kzoo.losses.AssistiveLoss(alpha=1.8, alpha_neg=-0.4)
    got = [
        main(y, pred),
        tough_part(np.stack([gt, tough], 1), pred),
        tol_part(np.stack([gt, tol], 1), pred),
    ]
    np.testing.assert_allclose(
        [float(keras.ops.convert_to_numpy(v)) for v in got],
        OFFICIAL_PARTS,
        rtol=1e-5,
    )


def test_matches_float64_loop_reference():
    gt, tough, tol = _landmarks(6, 7)
    pred = gt + 0.25 * np.random.default_rng(8).normal(size=gt.shape)
    kwargs = dict(alpha_tough=1.5, alpha_neg_tough=-0.3, main_weight=1.0)
    loss = kzoo.losses.KDLandmarkLoss(reduction="none", **kwargs)
    got = loss(np.stack([gt, tough, tol], 1).astype("float32"),
               pred.astype("float32"))  # fmt: skip
    expected = ref.kd_landmark(pred, gt, tough, tol, a_tou=1.5, an_tou=-0.3,
                               w_main=1.0)  # fmt: skip
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(got), expected, rtol=1e-5, atol=1e-6
    )


def test_hand_cases():
    # x_pr = x_gt: main term 0 and the reflected teacher collapses on x_gt
    # (sign 0), so the assistive terms vanish too.
    gt = np.array([[0.2, -0.4]], "float32")
    y = np.stack([gt, gt + 0.1, gt - 0.3], 1)
    loss = kzoo.losses.KDLandmarkLoss()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loss(y, gt)), 0.0)
    # Student beyond the teacher: weight α. gt 0, teacher 0.1, pred 0.5:
    # |x̃ − x_pr| = 0.4, ALoss = α·0.4.
    y = np.array([[[0.0], [0.1]]], "float32")
    aloss = kzoo.losses.AssistiveLoss(alpha=2.0, alpha_neg=-0.5)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(aloss(y, np.array([[0.5]], "float32"))),
        0.8,
        rtol=1e-6,
    )
    # Between the band (0.015) and the teacher: α⁻ · |0.1 − 0.05|.
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(aloss(y, np.array([[0.05]], "float32"))),
        -0.025,
        rtol=1e-5,
    )
