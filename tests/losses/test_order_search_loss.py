"""OrderSearchLoss. Parity reference: a float64 brute force over every
order (itertools.permutations) written in this file, for value and
gradient; the gradient of a minimum is that of the best order's summed
cross-entropy, softmax(s_t) − onehot(y_π(t))."""

import itertools
import os

import keras
import numpy as np
import pytest

import kzoo
from kzoo.losses.sets.order_search_loss import candidate_orders
from kzoo.testing import directional_derivative
from kzoo.testing import value_and_grad

T, C = 4, 6


def _np(x):
    return keras.ops.convert_to_numpy(x)


def _batch(t=T, seed=0):
    rng = np.random.default_rng(seed)
    s = rng.normal(size=(5, t, C)).astype(np.float32)
    y = rng.integers(0, C, size=(5, t)).astype(np.int32)
    y[0] = y[0, 0]  # a set with one repeated element
    return y, s


def _reference(y, s, orders):
    s = s.astype(np.float64)
    logp = s - np.log(np.exp(s).sum(-1, keepdims=True))
    vals, grads = [], np.zeros_like(s)
    for b in range(len(y)):
        costs = [
            -logp[b, np.arange(len(o)), y[b, list(o)]].sum() for o in orders
        ]
        best = orders[int(np.argmin(costs))]
        vals.append(min(costs))
        probs = np.exp(logp[b])
        probs[np.arange(len(best)), y[b, list(best)]] -= 1.0
        grads[b] = probs
    return np.array(vals), grads


def test_exact_search_matches_brute_force():
    y, s = _batch()
    orders = list(itertools.permutations(range(T)))
    want, want_grad = _reference(y, s, orders)
    got = _np(kzoo.losses.order_search(y, s))
    np.testing.assert_allclose(got, want, rtol=1e-5)
    loss = kzoo.losses.OrderSearchLoss(reduction="sum")
    _, grad = value_and_grad(lambda t: loss(y, t), s)
    np.testing.assert_allclose(grad, want_grad, atol=1e-5)
    # The order of the target set does not matter.
    perm = np.random.default_rng(1).permutation(T)
    np.testing.assert_allclose(
        _np(kzoo.losses.order_search(y[:, perm], s)), got, rtol=1e-6
    )
    # Probabilities instead of logits.
    probs = np.exp(s) / np.exp(s).sum(-1, keepdims=True)
    np.testing.assert_allclose(
        _np(kzoo.losses.order_search(y, probs, from_logits=False)),
        want,
        rtol=1e-4,
    )


def test_sampled_orders():
    y, s = _batch(t=7, seed=2)
    orders = candidate_orders(7, 5, 50, seed=3)
    assert orders.shape == (50, 7)
    np.testing.assert_array_equal(orders[0], np.arange(7))
    assert len({tuple(o) for o in orders}) == 50
    np.testing.assert_array_equal(
        np.sort(orders, axis=1), np.tile(np.arange(7), (50, 1))
    )
    want, _ = _reference(y, s, [tuple(o) for o in orders])
    got = kzoo.losses.order_search(
        y, s, max_exact_length=5, num_sampled_orders=50, seed=3
    )
    np.testing.assert_allclose(_np(got), want, rtol=1e-5)
    exact = kzoo.losses.order_search(y[:, :5], s[:, :5])
    assert candidate_orders(5, 5, 1, 0).shape == (120, 5)
    assert np.all(np.isfinite(_np(exact)))


def test_finite_difference_gradient_and_degenerate():
    y, s = _batch()
    loss = kzoo.losses.OrderSearchLoss()
    _, grad = value_and_grad(lambda t: loss(y, t), s)
    d = np.random.default_rng(4).normal(size=s.shape).astype(np.float32)
    d /= np.linalg.norm(d)
    numeric = directional_derivative(lambda t: float(_np(loss(y, t))), s, d)
    np.testing.assert_allclose(np.sum(grad * d), numeric, rtol=2e-2, atol=2e-3)
    # Batch of one, set of one, constant scores: finite.
    for yy, ss in (
        (y[:1], s[:1]),
        (y[:, :1], s[:, :1]),
        (y, np.zeros_like(s)),
    ):
        value, g = value_and_grad(lambda t: loss(yy, t), ss)
        assert np.isfinite(value) and np.all(np.isfinite(g))
    np.testing.assert_allclose(
        _np(loss(y, np.zeros_like(s))), T * np.log(C), rtol=1e-6
    )


def test_reductions_and_sample_weight():
    y, s = _batch()
    per = _np(kzoo.losses.order_search(y, s)).astype(np.float64)
    w = np.linspace(0, 2, len(y)).astype(np.float32)
    for reduction, want in {
        "sum": (per * w).sum(),
        "sum_over_batch_size": (per * w).sum() / len(y),
        "mean_with_sample_weight": (per * w).sum() / w.sum(),
    }.items():
        loss = kzoo.losses.OrderSearchLoss(reduction=reduction)
        np.testing.assert_allclose(_np(loss(y, s, sample_weight=w)), want, 1e-5)


def _model():
    inp = keras.Input((3,))
    out = keras.layers.Reshape((T, C))(keras.layers.Dense(T * C)(inp))
    return keras.Model(inp, out)


def test_serialization_and_keras_file(tmp_path):
    loss = kzoo.losses.OrderSearchLoss(max_exact_length=3, seed=7)
    ser = keras.losses.serialize(loss)
    assert ser["registered_name"] == "kzoo>OrderSearchLoss"
    assert keras.losses.deserialize(ser).get_config() == loss.get_config()
    model = _model()
    model.compile(optimizer="sgd", loss=loss)
    path = os.path.join(tmp_path, "os.keras")
    model.save(path)
    assert keras.saving.load_model(path).loss.get_config() == loss.get_config()


@pytest.mark.requires_trainable_backend
@pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
def test_fit_smoke(jit_compile):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 3)).astype(np.float32)
    y = rng.integers(0, C, size=(4, T)).astype(np.int32)
    model = _model()
    before = [w.copy() for w in model.get_weights()]
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=kzoo.losses.OrderSearchLoss(),
        jit_compile=jit_compile,
    )
    history = model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    after = model.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(before, after))


def test_mixed_precision_and_large_labels():
    y, s = _batch()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        out = kzoo.losses.OrderSearchLoss()(y, keras.ops.cast(s, "bfloat16"))
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
    finally:
        keras.config.set_dtype_policy("float32")
    # Class ids that bfloat16 would merge (257 -> 256) stay exact.
    big = np.zeros((1, 2, 300), np.float32)
    big[0, 0, 257] = big[0, 1, 256] = 10.0
    labels = np.array([[256, 257]], np.int32)
    want = -2 * (10.0 - np.log(np.exp(10.0) + 299))
    np.testing.assert_allclose(
        _np(kzoo.losses.order_search(labels, big)), [want], rtol=1e-4
    )


def test_bad_arguments_raise():
    bad = [
        (dict(max_exact_length=0), "Received: max_exact_length=0"),
        (dict(max_exact_length=9), "Received: max_exact_length=9"),
        (dict(num_sampled_orders=0), "Received: num_sampled_orders=0"),
        (dict(seed=1.5), "Received: seed=1.5"),
        (dict(from_logits="yes"), "Received: from_logits='yes'"),
        (dict(reduction="avg"), "reduction"),
    ]
    for kwargs, match in bad:
        with pytest.raises(ValueError, match=match):
            kzoo.losses.OrderSearchLoss(**kwargs)
    y, s = _batch()
    loss = kzoo.losses.OrderSearchLoss()
    with pytest.raises(ValueError, match="y_pred.shape"):
        loss(y, s[:, :, 0])
    with pytest.raises(ValueError, match="y_true.shape"):
        loss(y[:, :2], s)
