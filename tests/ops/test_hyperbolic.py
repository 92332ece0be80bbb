"""Poincaré-ball ops against geoopt 0.5.1's `PoincareBall` (float64 torch,
run inline), for values and gradients, at the origin and near the boundary.
"""

import keras
import numpy as np
import pytest

import kzoo
from kzoo.testing import numerical_gradient
from kzoo.testing import value_and_grad

geoopt = pytest.importorskip(
    "geoopt", reason="a pinned test extra (pip install .[test])"
)
torch = pytest.importorskip(
    "torch", reason="a pinned test extra (pip install .[test])"
)

C = 0.1


def _points(c=C, seed=0):
    """Rows: generic interior points, the origin, near-boundary points."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(6, 4))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    radii = np.array([0.1, 0.5, 0.8, 0.0, 0.99, 0.995]) / np.sqrt(c)
    return x * radii[:, None]


def _geoopt(fn_name, *args, c=C, weights=None):
    """Value and gradients (w.r.t. every arg) of Σ w·f(args) in float64."""
    ball = geoopt.PoincareBall(c=c)
    ts = [
        torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args
    ]
    if fn_name == "expmap0":
        out = ball.expmap0(ts[0], project=False)
    elif fn_name == "project":
        from geoopt.manifolds.stereographic import math as gmath

        out = gmath.project(
            ts[0], k=torch.tensor(-c, dtype=torch.float64), eps=1e-3
        )
    else:
        out = getattr(ball, fn_name)(*ts)
    w = torch.tensor(weights, dtype=torch.float64)
    torch.sum(out * w).backward()
    return out.detach().numpy(), [t.grad.numpy() for t in ts]


def _kzoo(fn, *args, weights=None, argnums=0):
    w = np.asarray(weights, dtype=np.float32)

    def f(*ts):
        return keras.ops.sum(fn(*ts) * keras.ops.convert_to_tensor(w))

    value = keras.ops.convert_to_numpy(fn(*[a.astype("float32") for a in args]))
    _, grads = value_and_grad(
        f, *[a.astype("float32") for a in args], argnums=argnums
    )
    return value, grads


def _weights(shape, seed=1):
    return np.random.default_rng(seed).normal(size=shape)


def test_mobius_add_matches_geoopt():
    x, y = _points(), _points(seed=3)[::-1].copy()
    w = _weights(x.shape)
    ref, (gx, gy) = _geoopt("mobius_add", x, y, weights=w)
    got, (kx, ky) = _kzoo(
        lambda a, b: kzoo.ops.mobius_add(a, b, C),
        x,
        y,
        weights=w,
        argnums=(0, 1),
    )
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(kx, gx, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(ky, gy, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("name", ["expmap0", "logmap0", "project"])
def test_maps_match_geoopt_incl_origin_and_boundary(name):
    x = _points()
    if name == "expmap0":  # tangent vectors: include large ones
        x = x * 3.0
    w = _weights(x.shape)
    ref, (gref,) = _geoopt(name, x, weights=w)
    fn = {
        "expmap0": lambda a: kzoo.ops.expmap0(a, C),
        "logmap0": lambda a: kzoo.ops.logmap0(a, C),
        "project": lambda a: kzoo.ops.project_to_ball(a * 1.01, C),
    }[name]
    if name == "project":
        ref, (gref,) = _geoopt(name, x * 1.01, weights=w)
        gref = gref * 1.01
    got, grad = _kzoo(fn, x, weights=w)
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)
    # logmap0's slope grows like 1/(1 − c‖x‖²) at the boundary: float32
    # rounding of ‖x‖ there costs about 1e-3 relative.
    # At the exact origin geoopt's logmap0 gradient is 0.8777·w (an artifact
    # of its clamped norm; the Jacobian of logmap0 at 0 is I), so row 3 is
    # checked against the closed form below instead.
    rows = [0, 1, 2, 4, 5] if name == "logmap0" else slice(None)
    np.testing.assert_allclose(grad[rows], gref[rows], rtol=2e-3, atol=1e-4)
    assert np.all(np.isfinite(grad))
    # at the origin both maps are the identity with Jacobian I
    if name != "project":
        np.testing.assert_allclose(grad[3], w[3], rtol=1e-6)


def test_distance_matches_geoopt_and_hand_value():
    x, y = _points(), _points(seed=5)
    w = _weights((x.shape[0],))
    ref, (gx, gy) = _geoopt("dist", x, y, weights=w)
    got, (kx, ky) = _kzoo(
        lambda a, b: kzoo.ops.poincare_distance(a, b, C),
        x,
        y,
        weights=w,
        argnums=(0, 1),
    )
    # rows 4 and 5 are both near the boundary (d ≈ 34): float32 costs 2e-4
    np.testing.assert_allclose(got, ref, rtol=5e-4)
    np.testing.assert_allclose(kx, gx, rtol=5e-3, atol=1e-3)
    np.testing.assert_allclose(ky, gy, rtol=5e-3, atol=1e-3)
    # PAPERS_OTHER.md appendix A (float64 numpy): 1.6753490
    d = kzoo.ops.poincare_distance([0.3, 0.4], [-0.5, 0.2], c=0.1)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(d), 1.6753490, 1e-6)
    # d(0, x) = (2/√c) artanh(√c‖x‖)
    p = np.array([[0.0, 2.0]])
    d0 = kzoo.ops.poincare_distance(np.zeros((1, 2)), p, c=0.1)
    expected = 2 / np.sqrt(0.1) * np.arctanh(np.sqrt(0.1) * 2.0)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(d0), [expected], 1e-5)


def test_distance_to_itself_has_zero_finite_gradient():
    x = _points()
    value, grad = value_and_grad(
        lambda a: keras.ops.sum(kzoo.ops.poincare_distance(a, a, C)),
        x.astype("float32"),
    )
    assert abs(value) < 1e-5
    np.testing.assert_array_equal(grad, 0.0)


def test_exp_log_inverse_and_finite_difference():
    x = _points()[:5]
    back = kzoo.ops.expmap0(kzoo.ops.logmap0(x.astype("float32"), C), C)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(back), x, atol=2e-5)

    def ref(a):  # float64 distance from the math, for finite differences
        a = a.reshape(x.shape)
        y = _points(seed=5)[:5]
        out = []
        for u, v in zip(-a, y):
            xy, x2, y2 = u @ v, u @ u, v @ v
            num = (1 + 2 * C * xy + C * y2) * u + (1 - C * x2) * v
            m = num / (1 + 2 * C * xy + C * C * x2 * y2)
            out.append(
                2 / np.sqrt(C) * np.arctanh(np.sqrt(C) * np.linalg.norm(m))
            )
        return float(np.sum(out))

    y = _points(seed=5)[:5].astype("float32")
    keep = [0, 1, 2, 4]  # finite differences are exact away from the origin
    _, grad = value_and_grad(
        lambda a: keras.ops.sum(kzoo.ops.poincare_distance(a, y, C)),
        x.astype("float32"),
    )
    num = numerical_gradient(ref, x)
    np.testing.assert_allclose(grad[keep], num[keep], rtol=5e-3, atol=1e-3)


def test_clip_feature_norm():
    x = np.array([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0]], "float32")
    got = keras.ops.convert_to_numpy(kzoo.ops.clip_feature_norm(x, 2.0))
    np.testing.assert_allclose(got, [[1.2, 1.6], [0.3, 0.4], [0, 0]], 1e-6)
    _, grad = value_and_grad(
        lambda a: keras.ops.sum(kzoo.ops.clip_feature_norm(a, 2.0)), x
    )
    assert np.all(np.isfinite(grad))


def test_bfloat16_inputs_stay_finite_and_close():
    # The ops compute in their input dtype (layers and losses cast to
    # float32); in bfloat16 they must stay finite, also at the origin.
    x, y = _points()[:5], _points(seed=5)[:5]
    out = kzoo.ops.poincare_distance(
        keras.ops.cast(x, "bfloat16"), keras.ops.cast(y, "bfloat16"), C
    )
    out = keras.ops.convert_to_numpy(keras.ops.cast(out, "float32"))
    ref = keras.ops.convert_to_numpy(kzoo.ops.poincare_distance(x, y, C))
    assert np.all(np.isfinite(out))
    # bfloat16 (8 mantissa bits) cannot resolve 1 − √c‖(−x) ⊕ y‖ for the
    # far points (rows 2 and 4, d ≈ 14 and 32): only finiteness is asked.
    rows = [0, 1, 3]
    np.testing.assert_allclose(out[rows], ref[rows], rtol=0.1, atol=0.05)


def test_bad_arguments():
    with pytest.raises(ValueError, match="Received: c=0"):
        kzoo.ops.expmap0(np.ones((1, 2)), c=0)
    with pytest.raises(ValueError, match="Received: c=-1"):
        kzoo.ops.poincare_distance(np.ones((1, 2)), np.ones((1, 2)), c=-1)
    with pytest.raises(ValueError, match="Received: epsilon=1"):
        kzoo.ops.project_to_ball(np.ones((1, 2)), epsilon=1)
    with pytest.raises(ValueError, match="Received: radius=0"):
        kzoo.ops.clip_feature_norm(np.ones((1, 2)), radius=0)
