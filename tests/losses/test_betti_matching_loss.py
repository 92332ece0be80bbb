"""BettiMatchingLoss, its host-side persistence, and the topology metrics.

Parity references:
- `tests/reference/betti_matching.py`: float64 boundary-matrix reduction of
  the full V-construction complex with image persistence (an algorithm
  independent of kzoo's union-find and duality), values and counts;
- topolosses 0.2.0 (PyPI; the compiled Betti-Matching-3D of the authors),
  numbers recorded below from a throwaway harness;
- gudhi 3.13 `CubicalComplex(vertices=...)` for the barcodes.
"""

import os

import gudhi
import keras
import numpy as np
import pytest
from scipy import ndimage

import kzoo
from kzoo.persistent_homology import barcode_2d
from kzoo.persistent_homology.betti_matching_2d import batch_betti_matching
from kzoo.testing import directional_derivative
from kzoo.testing import value_and_grad
from tests.reference import betti_matching as ref

BACKEND = keras.backend.backend()


def _np(x):
    return keras.ops.convert_to_numpy(x)


def _topolosses_batch():
    rng = np.random.default_rng(2026)
    p = rng.random((3, 10, 10)).astype(np.float32)
    g = (rng.random((3, 10, 10)) > 0.55).astype(np.float32)
    return p, g


def _random_cases(n, seed, max_size=8):
    """Small images with ties: continuous or quantized p, binary g."""
    rng = np.random.default_rng(seed)
    for t in range(n):
        h, w = (int(s) for s in rng.integers(2, max_size + 1, 2))
        p = rng.random((h, w)).astype(np.float32)
        if t % 2:
            p = (np.round(p * 4) / 4).astype(np.float32)
        g = (rng.random((h, w)) > 0.5).astype(np.float32)
        if t % 7 == 0:
            g[:] = 0.0
        yield p, g


def _host_loss_and_counts(p, g):
    idx, tv, kind, tt, counts = batch_betti_matching(p[None], g[None])
    flat = p.ravel().astype(np.float64)
    vals = np.where(idx[0] >= 0, flat[np.maximum(idx[0], 0)], 0.0)
    matched = 2 * ((vals - tv[0]) ** 2).sum(-1)
    unmatched = (vals[:, 0] - vals[:, 1]) ** 2
    per_bar = np.where(kind[0] == 1, matched, 0.0)
    per_bar += np.where(kind[0] == 2, unmatched, 0.0)
    return per_bar.sum() + tt[0], counts[0]


def test_host_matching_equals_matrix_reduction_reference():
    for p, g in _random_cases(120, seed=1):
        value, counts = _host_loss_and_counts(p, g)
        np.testing.assert_allclose(value, ref.betti_matching_loss(p, g), 1e-5)
        want = ref.counts(p, g)
        assert [tuple(counts[d]) for d in (0, 1)] == [want[0], want[1]]


def test_loss_equals_reference_on_a_batch():
    rng = np.random.default_rng(3)
    p = rng.random((4, 7, 6)).astype(np.float32)
    p[1] = np.round(p[1] * 3) / 3
    g = (rng.random((4, 7, 6)) > 0.5).astype(np.float32)
    got = _np(kzoo.losses.betti_matching(g, p))
    want = [ref.betti_matching_loss(a, b) for a, b in zip(p, g)]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    for dims in ((0,), (1,)):
        got = _np(kzoo.losses.betti_matching(g[..., None], p[..., None], dims))
        want = [ref.betti_matching_loss(a, b, dims) for a, b in zip(p, g)]
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_matches_topolosses_recorded():
    # topolosses 0.2.0 (PyPI wheel, unpacked with --no-deps; cv2 / POT /
    # torchvision stubbed, unused by this loss):
    #   BettiMatchingLoss(use_base_loss=False, alpha=1.0) and sphere=True,
    #   called on torch tensors p[:, None], g[:, None] from
    #   _topolosses_batch(); per-image values from
    #   compute_betti_matching_loss, gradient of the batch mean.
    per_image = [13.046696662902832, 10.786772727966309, 8.403484344482422]
    mean, grad_abs_sum = 10.745651245117188, 36.305992126464844
    grad_block = [[0.0, 0.0, 0.0], [-0.04405037686, 0.0, 0.68865895271]]
    p, g = _topolosses_batch()
    np.testing.assert_allclose(
        _np(kzoo.losses.betti_matching(g, p)), per_image, rtol=1e-6
    )
    for pad_border in (False, True):
        loss = kzoo.losses.BettiMatchingLoss(pad_border=pad_border)
        value, grad = value_and_grad(lambda t: loss(g, t), p)
        np.testing.assert_allclose(value, mean, rtol=1e-6)
        np.testing.assert_allclose(np.abs(grad).sum(), grad_abs_sum, 1e-5)
        np.testing.assert_allclose(grad[0, :2, :3], grad_block, atol=1e-6)


def test_gradient_matches_reference_finite_differences():
    # Well-separated values (gap 1/80), so a step of 1e-3 keeps the order.
    rng = np.random.default_rng(5)
    p = rng.permutation(np.linspace(0.05, 0.95, 64)).reshape(1, 8, 8)
    g = (rng.random((1, 8, 8)) > 0.5).astype(np.float32)
    p32 = p.astype(np.float32)
    loss = kzoo.losses.BettiMatchingLoss()
    value, grad = value_and_grad(lambda t: loss(g, t), p32)
    np.testing.assert_allclose(value, ref.betti_matching_loss(p[0], g[0]), 1e-5)
    eps = 1e-4
    want = np.zeros_like(p)
    for i in np.ndindex(p.shape):
        d = np.zeros_like(p)
        d[i] = eps
        want[i] = (
            ref.betti_matching_loss((p + d)[0], g[0])
            - ref.betti_matching_loss((p - d)[0], g[0])
        ) / (2 * eps)
    np.testing.assert_allclose(grad, want, atol=1e-4)
    direction = rng.normal(size=p.shape).astype(np.float32)
    direction /= np.linalg.norm(direction)
    numeric = directional_derivative(
        lambda t: float(_np(loss(g, t))), p32, direction, eps=1e-3
    )
    np.testing.assert_allclose(
        np.sum(grad * direction), numeric, rtol=2e-2, atol=2e-3
    )


def test_barcodes_match_gudhi_v_construction():
    rng = np.random.default_rng(11)
    for _ in range(5):
        f = rng.random((7, 9))
        mine = barcode_2d(f)
        cc = gudhi.CubicalComplex(vertices=f)
        cc.compute_persistence()
        for d in (0, 1):
            bars = cc.persistence_intervals_in_dimension(d)
            bars = bars[np.isfinite(bars[:, 1]) & (bars[:, 1] > bars[:, 0])]
            np.testing.assert_allclose(
                np.sort(mine[d], axis=0), np.sort(bars, axis=0)
            )
    # The T-construction (gudhi's top_dimensional_cells) differs: a
    # diagonal pair of foreground pixels is one component there, two here.
    f = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert len(barcode_2d(f)[0]) == 1
    cc = gudhi.CubicalComplex(top_dimensional_cells=f)
    cc.compute_persistence()
    t_bars = cc.persistence_intervals_in_dimension(0)
    assert np.sum(np.isfinite(t_bars[:, 1]) & (t_bars[:, 1] > 0)) == 0


def _ring(size=9, gap=False):
    m = np.zeros((size, size), np.float32)
    m[2:7, 2] = m[2:7, 6] = m[2, 2:7] = m[6, 2:7] = 1.0
    if gap:
        m[4, 6] = 0.0
    return m


def test_hand_checks_and_degenerate_inputs():
    g = _ring()
    # Identical binary maps: nothing to pay.
    np.testing.assert_allclose(
        _np(kzoo.losses.betti_matching(g[None], g[None])), 0
    )
    # A ring against the ring with one break: one unmatched loop.
    broken = _ring(gap=True)[None]
    np.testing.assert_allclose(
        _np(kzoo.losses.betti_matching(g[None], broken, dims=(1,))), 1.0
    )
    bme = kzoo.metrics.BettiMatchingError(dims=(1,))
    bme.update_state(g[None], broken)
    np.testing.assert_allclose(_np(bme.result()), 1.0)
    # Empty, full and constant maps, batch of one: finite, gradient finite.
    for p, t in (
        (np.zeros((1, 5, 5)), np.zeros((1, 5, 5))),
        (np.ones((1, 5, 5)), np.zeros((1, 5, 5))),
        (np.full((1, 5, 5), 0.5), g[None, :5, :5]),
    ):
        value, grad = value_and_grad(
            lambda x: kzoo.losses.BettiMatchingLoss()(t.astype("float32"), x),
            p.astype("float32"),
        )
        assert np.isfinite(value) and np.all(np.isfinite(grad))


def test_options():
    p, g = _topolosses_batch()
    base = _np(kzoo.losses.betti_matching(g, p))
    logits = np.log(p / (1 - p))
    np.testing.assert_allclose(
        _np(kzoo.losses.betti_matching(g, logits, from_logits=True)),
        base,
        rtol=1e-4,
    )
    ess = _np(kzoo.losses.betti_matching(g, p, include_essential=True))
    want = base + 2 * (p.max((1, 2)) - g.max((1, 2))) ** 2
    np.testing.assert_allclose(ess, want, rtol=1e-6)
    dice = 1 - (2 * (p * g).sum((1, 2)) + 1e-6) / (
        p.sum((1, 2)) + g.sum((1, 2)) + 1e-6
    )
    got = _np(kzoo.losses.betti_matching(g, p, alpha=0.5, dice_weight=1.0))
    np.testing.assert_allclose(got, 0.5 * base + dice, rtol=1e-5)
    only_dice = _np(kzoo.losses.betti_matching(g, p, alpha=0.0, dice_weight=1))
    np.testing.assert_allclose(only_dice, dice, rtol=1e-5)
    # Sublevel filtration = superlevel filtration of the complement.
    np.testing.assert_allclose(
        _np(kzoo.losses.betti_matching(1 - g, 1 - p, filtration="sublevel")),
        base,
        rtol=1e-5,
    )


def test_reductions_and_sample_weight():
    p, g = _topolosses_batch()
    per = _np(kzoo.losses.betti_matching(g, p)).astype(np.float64)
    w = np.array([0.0, 1.0, 2.0], np.float32)
    cases = {
        "sum": (per * w).sum(),
        "sum_over_batch_size": (per * w).sum() / 3,
        "mean_with_sample_weight": (per * w).sum() / w.sum(),
    }
    for reduction, want in cases.items():
        loss = kzoo.losses.BettiMatchingLoss(reduction=reduction)
        np.testing.assert_allclose(_np(loss(g, p, sample_weight=w)), want, 1e-5)


def _betti_numbers(mask):
    fg = mask > 0.5
    b0 = ndimage.label(fg, structure=ndimage.generate_binary_structure(2, 1))
    bg, n = ndimage.label(~fg, structure=np.ones((3, 3)))
    border = set(
        np.unique(np.concatenate([bg[0], bg[-1], bg[:, 0], bg[:, -1]]))
    )
    holes = len(set(range(1, n + 1)) - border)
    return b0[1], holes


def test_metrics_against_scipy_and_reference():
    rng = np.random.default_rng(8)
    p = rng.random((5, 9, 8)).astype(np.float32)
    g = (rng.random((5, 9, 8)) > 0.45).astype(np.float32)
    g[0] = 0.0
    p[1] = 0.0
    bne = kzoo.metrics.BettiNumberError()
    bne.update_state(g[..., None], p[..., None])
    want = [
        sum(
            abs(a - b)
            for a, b in zip(_betti_numbers(x > 0.5), _betti_numbers(y))
        )
        for x, y in zip(p, g)
    ]
    np.testing.assert_allclose(_np(bne.result()), np.mean(want), rtol=1e-6)
    b0 = kzoo.metrics.BettiNumberError(dims=(0,), threshold=0.3)
    b0.update_state(g, p)
    want0 = [
        abs(_betti_numbers(x > 0.3)[0] - _betti_numbers(y)[0])
        for x, y in zip(p, g)
    ]
    np.testing.assert_allclose(_np(b0.result()), np.mean(want0), rtol=1e-6)
    bme = kzoo.metrics.BettiMatchingError()
    bme.update_state(g, p, sample_weight=np.array([1, 1, 1, 1, 0.0]))
    errs = []
    for x, y in zip(p, g):
        c = ref.counts((x > 0.5).astype(np.float64), y)
        errs.append(sum(c[d][1] + c[d][2] for d in (0, 1)))
        # The Betti matching error is the loss of the binarized maps.
        np.testing.assert_allclose(
            ref.betti_matching_loss((x > 0.5).astype(np.float64), y), errs[-1]
        )
    np.testing.assert_allclose(_np(bme.result()), np.mean(errs[:4]), 1e-6)
    bme.reset_state()
    assert float(_np(bme.result())) == 0.0


def test_serialization_and_keras_file(tmp_path):
    loss = kzoo.losses.BettiMatchingLoss(
        dims=(1,), alpha=0.5, dice_weight=1.0, pad_border=True
    )
    ser = keras.losses.serialize(loss)
    assert ser["registered_name"] == "kzoo>BettiMatchingLoss"
    restored = keras.losses.deserialize(ser)
    assert restored.get_config() == loss.get_config()
    metric = kzoo.metrics.BettiMatchingError(dims=(0,), threshold=0.4)
    restored_m = keras.metrics.deserialize(keras.metrics.serialize(metric))
    assert type(restored_m) is kzoo.metrics.BettiMatchingError
    assert restored_m.get_config() == metric.get_config()
    model = _model()
    model.compile(
        optimizer="sgd",
        loss=loss,
        metrics=[metric, kzoo.metrics.BettiNumberError()],
    )
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.loss.get_config() == loss.get_config()


def _model():
    # Dense rather than Conv2D: torch.compile (jit_compile=True) is faster.
    inp = keras.Input((8, 8, 1))
    h = keras.layers.Dense(64, activation="sigmoid")(
        keras.layers.Flatten()(inp)
    )
    return keras.Model(inp, keras.layers.Reshape((8, 8, 1))(h))


@pytest.mark.requires_trainable_backend
@pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
def test_fit_smoke(jit_compile):
    rng = np.random.default_rng(0)
    x = rng.random((4, 8, 8, 1)).astype(np.float32)
    y = (x > 0.6).astype(np.float32)
    model = _model()
    before = [w.copy() for w in model.get_weights()]
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=kzoo.losses.BettiMatchingLoss(dice_weight=1.0),
        metrics=[kzoo.metrics.BettiMatchingError()],
        jit_compile=jit_compile,
    )
    if jit_compile and BACKEND == "tensorflow":
        # tf.numpy_function cannot be XLA-compiled: a clear error instead.
        with pytest.raises(ValueError, match="jit_compile=False"):
            model.fit(x, y, batch_size=2, epochs=1, verbose=0)
        return
    history = model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert np.isfinite(history.history["betti_matching_error"][0])
    after = model.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(before, after))


def test_mixed_precision():
    p, g = _topolosses_batch()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        out = kzoo.losses.BettiMatchingLoss()(g, keras.ops.cast(p, "bfloat16"))
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
        metric = kzoo.metrics.BettiNumberError()
        metric.update_state(g, keras.ops.cast(p, "bfloat16"))
        assert np.isfinite(_np(metric.result()))
    finally:
        keras.config.set_dtype_policy("float32")


def test_bad_arguments_raise():
    bad = [
        (dict(dims=(2,)), r"Received: dims=\(2,\)"),
        (dict(dims=()), r"Received: dims=\(\)"),
        (dict(filtration="both"), "Received: filtration='both'"),
        (dict(alpha=-1.0), "Received: alpha=-1.0"),
        (dict(dice_weight="x"), "Received: dice_weight='x'"),
        (dict(pad_border=1), "Received: pad_border=1"),
        (dict(reduction="avg"), "reduction"),
    ]
    for kwargs, match in bad:
        with pytest.raises(ValueError, match=match):
            kzoo.losses.BettiMatchingLoss(**kwargs)
    with pytest.raises(ValueError, match="threshold"):
        kzoo.metrics.BettiMatchingError(threshold="a")
    loss = kzoo.losses.BettiMatchingLoss()
    with pytest.raises(ValueError, match="y_pred.shape"):
        loss(np.zeros((2, 4, 4, 3)), np.zeros((2, 4, 4, 3)))
    with pytest.raises(ValueError, match="same shape"):
        loss(np.zeros((2, 4, 5)), np.zeros((2, 4, 4)))
