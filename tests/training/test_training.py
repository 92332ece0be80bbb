"""kzoo.training train steps against closed forms on linear / quadratic
models, one `fit` step with SGD(lr=1) per case, with `jit_compile` off and
on, on every backend.

- IGNITE: for a surrogate quadratic in its weights, h(x) = (wᵀx)², the
  finite-difference term is exact: the step must be
  ∇L + λρ·∇_w‖∇_w G_B‖ with G_B = wᵀAw, A = XᵀX/B (closed form,
  differentiated numerically in float64), and λ ← λ + η(ρ‖2Aw‖ − ε).
- RSS: for f(x) = wᵀx, squared loss and cost, the inner sup is
  φ_γ = γ r²/(γ − ‖w‖²), r = wᵀx − y (γ > ‖w‖²); the step must follow the
  numerical float64 gradient of mean φ_γ + λ·mean φ_γ' (sign pseudo-labels).
- Smooth adversarial: for h(x) = Wx + b and an ℓ2 ball, the supremum is
  γ·σ_max(M_y), M_y = 1·W_yᵀ − W; the step must follow the float64
  numerical gradient of CE + ν·mean γσ_max(M_y).
"""

import os

import keras
import numpy as np
import pytest

import kzoo
from kzoo.testing import numerical_gradient

JIT = [False, True]


class _Square(keras.layers.Layer):
    def call(self, x):
        return keras.ops.square(x)


def _data(b=8, d=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(b, d))


def _sgd_step(wrapper, x, y, jit_compile):
    wrapper.compile(
        optimizer=keras.optimizers.SGD(learning_rate=1.0),
        jit_compile=jit_compile,
    )
    hist = wrapper.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    return hist.history


@pytest.mark.parametrize("jit_compile", JIT)
def test_ignite_step_matches_closed_form_for_a_quadratic(jit_compile):
    x = _data()
    y = np.random.default_rng(1).normal(size=(8, 1))
    w0 = np.array([0.5, -0.3, 0.8])
    dense = keras.layers.Dense(1, use_bias=False)
    model = keras.Sequential([keras.Input((3,)), dense, _Square()])
    dense.set_weights([w0[:, None].astype("float32")])
    rho, r, eps, eta, lam0 = 0.5, 0.05, 0.1, 0.1, 0.3
    wrapper = kzoo.training.SharpnessConstrainedModel(
        model,
        loss="mse",
        rho=rho,
        r=r,
        epsilon=eps,
        dual_lr=eta,
        lambda_init=lam0,
    )
    hist = _sgd_step(
        wrapper, x.astype("float32"), y.astype("float32"), jit_compile
    )
    a = x.T @ x / 8

    def mse(w):
        return float(np.mean(((x @ w) ** 2 - y[:, 0]) ** 2))

    def grad_norm(w):
        return float(np.linalg.norm(2 * a @ w))

    expected = w0 - (
        numerical_gradient(mse, w0)
        + lam0 * rho * numerical_gradient(grad_norm, w0)
    )
    got = keras.ops.convert_to_numpy(dense.kernel)[:, 0]
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    lam = lam0 + eta * (rho * grad_norm(w0) - eps)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(wrapper.dual_lambda), lam, rtol=1e-5
    )
    np.testing.assert_allclose(hist["dual_lambda"][-1], lam, rtol=1e-5)
    np.testing.assert_allclose(hist["loss"][-1], mse(w0), rtol=1e-5)
    np.testing.assert_allclose(
        hist["sharpness"][-1], rho * grad_norm(w0), rtol=1e-5
    )


def _phi(w, x, y, gamma):
    r = x @ w - y
    return gamma * r**2 / (gamma - w @ w)


@pytest.mark.parametrize("jit_compile", JIT)
def test_rss_step_matches_the_closed_form_inner_supremum(jit_compile):
    x, xu = _data(seed=2), _data(seed=3) + 1.0
    y = np.sign(np.random.default_rng(4).normal(size=8))
    w0 = np.array([0.4, -0.2, 0.3])  # ‖w‖² = 0.29
    gamma, gamma_u, lam = 1.5, 2.0, 0.5
    dense = keras.layers.Dense(1, use_bias=False)
    model = keras.Sequential([keras.Input((3,)), dense])
    dense.set_weights([w0[:, None].astype("float32")])
    wrapper = kzoo.training.RobustSelfTrainingModel(
        model,
        loss="mse",
        gamma=gamma,
        gamma_unlabeled=gamma_u,
        unlabeled_weight=lam,
        inner_steps=10,
        pseudo_label="sign",
    )
    hist = _sgd_step(
        wrapper,
        (x.astype("float32"), xu.astype("float32")),
        y[:, None].astype("float32"),
        jit_compile,
    )
    pseudo = np.sign(xu @ w0)  # fixed: stop-gradient pseudo-labels

    def objective(w):
        return float(
            np.mean(_phi(w, x, y, gamma))
            + lam * np.mean(_phi(w, xu, pseudo, gamma_u))
        )

    expected = w0 - numerical_gradient(objective, w0)
    got = keras.ops.convert_to_numpy(dense.kernel)[:, 0]
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(hist["loss"][-1], objective(w0), rtol=1e-4)


def _sigma_max_objective(wb, x, y, k, gamma, nu):
    d = x.shape[1]
    w, b = wb[: d * k].reshape(d, k), wb[d * k :]
    h = x @ w + b
    h = h - h.max(1, keepdims=True)
    ce = np.mean(np.log(np.exp(h).sum(1)) - h[np.arange(len(y)), y])
    reg = []
    for yi in y:
        m = w[:, yi][None, :] - w.T  # rows W_y − W_k, [K, d]
        reg.append(gamma * np.linalg.svd(m, compute_uv=False)[0])
    return float(ce + nu * np.mean(reg))


@pytest.mark.parametrize("jit_compile", JIT)
def test_smooth_adversarial_step_matches_the_l2_supremum(jit_compile):
    k, gamma, nu = 3, 0.2, 2.0
    x = _data(seed=5)
    y = np.random.default_rng(6).integers(0, k, size=8)
    rng = np.random.default_rng(7)
    w0, b0 = rng.normal(size=(3, k)), rng.normal(size=k) * 0.1
    dense = keras.layers.Dense(k)
    model = keras.Sequential([keras.Input((3,)), dense])
    dense.set_weights([w0.astype("float32"), b0.astype("float32")])
    wrapper = kzoo.training.SmoothAdversarialModel(
        model,
        nu=nu,
        radius=gamma,
        norm="2",
        steps=8,
        step_size=10 * gamma,
        init_stddev=0.1,
        seed=0,
    )
    hist = _sgd_step(
        wrapper, x.astype("float32"), y.astype("int32"), jit_compile
    )
    wb0 = np.concatenate([w0.ravel(), b0])
    expected = wb0 - numerical_gradient(
        lambda v: _sigma_max_objective(v, x, y, k, gamma, nu), wb0
    )
    got = np.concatenate(
        [keras.ops.convert_to_numpy(v).ravel() for v in dense.weights]
    )
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(
        hist["loss"][-1],
        _sigma_max_objective(wb0, x, y, k, gamma, nu),
        rtol=1e-4,
    )


def test_wrappers_round_trip_through_keras_files(tmp_path):
    x = _data().astype("float32")
    for cls, kwargs in (
        (kzoo.training.SharpnessConstrainedModel, dict(epsilon=0.1)),
        (kzoo.training.RobustSelfTrainingModel, dict(pseudo_label="sign")),
        (kzoo.training.SmoothAdversarialModel, dict(nu=3.0, norm="2")),
    ):
        inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        wrapper = cls(inner, **kwargs)
        wrapper.compile(optimizer="sgd")
        path = os.path.join(tmp_path, f"{cls.__name__}.keras")
        wrapper.save(path)
        loaded = keras.saving.load_model(path)
        assert type(loaded) is cls
        for key, value in kwargs.items():
            assert getattr(loaded, key) == value
        np.testing.assert_allclose(
            loaded.predict(x, verbose=0),
            wrapper.predict(x, verbose=0),
            rtol=1e-6,
        )


def test_evaluate_and_compile_contract():
    inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    wrapper = kzoo.training.RobustSelfTrainingModel(inner, loss="mse")
    with pytest.raises(ValueError, match="Received: loss='mse'"):
        wrapper.compile(optimizer="sgd", loss="mse")
    wrapper.compile(optimizer="sgd")
    x, y = _data().astype("float32"), np.ones((8, 1), "float32")
    expected = np.mean((keras.ops.convert_to_numpy(inner(x)) - 1) ** 2)
    np.testing.assert_allclose(
        wrapper.evaluate(x, y, verbose=0), expected, rtol=1e-5
    )


def test_bad_arguments():
    inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    t = kzoo.training
    cases = [
        (lambda: t.SharpnessConstrainedModel(inner, r=0), "r=0"),
        (lambda: t.SharpnessConstrainedModel(inner, rho=-1), "rho=-1"),
        (
            lambda: t.SharpnessConstrainedModel(inner, dual_update=1),
            "dual_update=1",
        ),
        (lambda: t.RobustSelfTrainingModel(inner, gamma=0), "gamma=0"),
        (
            lambda: t.RobustSelfTrainingModel(inner, inner_steps=-1),
            "inner_steps=-1",
        ),
        (
            lambda: t.RobustSelfTrainingModel(inner, pseudo_label="soft"),
            "pseudo_label='soft'",
        ),
        (lambda: t.SmoothAdversarialModel(inner, norm="1"), "norm='1'"),
        (lambda: t.SmoothAdversarialModel(inner, nu=-1), "nu=-1"),
        (
            lambda: t.SmoothAdversarialModel(inner, input_range=(1, 0)),
            "input_range=\\(1, 0\\)",
        ),
        (lambda: t.SmoothAdversarialModel("x"), "model='x'"),
        (
            lambda: t.SharpnessConstrainedModel(
                inner, loss=keras.losses.MeanSquaredError(reduction="sum")
            ),
            "reduction='sum'",
        ),
    ]
    for make, message in cases:
        with pytest.raises(ValueError, match=f"Received: {message}"):
            make()
