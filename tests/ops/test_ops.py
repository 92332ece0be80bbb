import keras
import numpy as np
import pytest
import torch

from kzoo import ops as kops
from kzoo.testing import value_and_grad


def _np(x):
    return keras.ops.convert_to_numpy(x)


def _lse_reference(x, w, add_one):
    out = []
    for row, wrow in zip(np.asarray(x, np.float64), np.asarray(w, np.float64)):
        terms = [(v, c) for v, c in zip(row, wrow) if c > 0]
        if add_one:
            terms.append((0.0, 1.0))
        if not terms:
            out.append(0.0)
            continue
        m = max(v for v, _ in terms)
        out.append(m + np.log(sum(c * np.exp(v - m) for v, c in terms)))
    return np.array(out)


@pytest.mark.parametrize("add_one", [False, True])
@pytest.mark.parametrize("kind", ["bool", "weights"])
def test_masked_logsumexp_matches_reference(add_one, kind):
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(5, 6)) * 30).astype("float32")
    mask = rng.random((5, 6)) > 0.5
    mask[2] = False  # an empty row
    weights = mask.astype("float32") * (1 + rng.integers(0, 3, size=(5, 6)))
    w = mask if kind == "bool" else weights
    got = _np(kops.masked_logsumexp(x, w, add_one=add_one))
    np.testing.assert_allclose(
        got, _lse_reference(x, w, add_one), rtol=1e-6, atol=1e-5
    )
    assert got[2] == 0.0


def test_masked_logsumexp_matches_pml_logsumexp():
    from pytorch_metric_learning.utils import loss_and_miner_utils as lmu

    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 5)).astype("float32")
    mask = rng.random((4, 5)) > 0.4
    mask[0] = False
    expected = lmu.logsumexp(
        torch.tensor(x), keep_mask=torch.tensor(mask), add_one=True
    )
    got = _np(kops.masked_logsumexp(x, mask, add_one=True, keepdims=True))
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-6, atol=1e-6)


def test_masked_logsumexp_gradient_is_finite_and_zero_where_masked():
    x = np.array([[1000.0, -1000.0, 3.0], [0.0, 0.0, 0.0]], "float32")
    mask = np.array([[True, False, True], [False, False, False]])
    _, grad = value_and_grad(
        lambda t: keras.ops.sum(kops.masked_logsumexp(t, mask)), x
    )
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(grad[0], [1.0, 0.0, 0.0], atol=1e-6)
    np.testing.assert_array_equal(grad[1], 0.0)


def test_masked_max_min():
    x = np.array([[1.0, 5.0, -2.0], [3.0, 4.0, 0.0]], "float32")
    mask = np.array([[True, False, True], [False, False, False]])
    np.testing.assert_array_equal(
        _np(kops.masked_max(x, mask, empty_value=-7.0)), [1.0, -7.0]
    )
    np.testing.assert_array_equal(
        _np(kops.masked_min(x, mask, empty_value=9.0)), [-2.0, 9.0]
    )


def test_label_masks():
    pos, neg = kops.label_masks(np.array([3, 3, 5]))
    np.testing.assert_array_equal(_np(pos), [[0, 1, 0], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(_np(neg), [[0, 0, 1], [0, 0, 1], [1, 1, 0]])
    pos, neg = kops.label_masks(np.array([[3], [5]]), np.array([3, 5, 3]))
    np.testing.assert_array_equal(_np(pos), [[1, 0, 1], [0, 1, 0]])
    np.testing.assert_array_equal(_np(neg), [[0, 1, 0], [1, 0, 1]])


def test_pairwise_matrices_match_torch():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(4, 3)).astype("float32")
    b = rng.normal(size=(5, 3)).astype("float32")
    ta, tb = (
        torch.tensor(a, dtype=torch.float64),
        torch.tensor(b, dtype=torch.float64),
    )
    np.testing.assert_allclose(
        _np(kops.pairwise_dot(a, b)), (ta @ tb.T).numpy(), rtol=1e-5
    )
    np.testing.assert_allclose(
        _np(kops.pairwise_distance(a, b)),
        torch.cdist(ta, tb).numpy(),
        rtol=1e-5,
        atol=1e-5,
    )
    np.testing.assert_allclose(
        _np(kops.pairwise_squared_distance(a, b)),
        torch.cdist(ta, tb).numpy() ** 2,
        rtol=1e-5,
        atol=1e-5,
    )
    cos = (
        torch.nn.functional.normalize(ta) @ torch.nn.functional.normalize(tb).T
    )
    np.testing.assert_allclose(
        _np(kops.pairwise_cosine_similarity(a, b)),
        cos.numpy(),
        rtol=1e-5,
        atol=1e-6,
    )
    d_self = _np(kops.pairwise_distance(a))
    np.testing.assert_array_equal(np.diag(d_self), 0.0)


def test_distance_gradient_is_finite_for_duplicates():
    x = np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 1.0]], "float32")
    _, grad = value_and_grad(
        lambda t: keras.ops.sum(kops.pairwise_distance(t)), x
    )
    assert np.all(np.isfinite(grad))


def test_safe_sqrt_and_norm():
    x = np.array([0.0, 4.0, -1e-9], "float32")
    np.testing.assert_allclose(_np(kops.safe_sqrt(x)), [0.0, 2.0, 0.0])
    _, grad = value_and_grad(lambda t: keras.ops.sum(kops.safe_sqrt(t)), x)
    np.testing.assert_allclose(grad, [0.0, 0.25, 0.0])
    v = np.zeros((2, 3), "float32")
    _, grad = value_and_grad(lambda t: keras.ops.sum(kops.safe_norm(t)), v)
    np.testing.assert_array_equal(grad, 0.0)


def test_l2_normalize_matches_torch_including_zero_rows():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1e-20, 0.0]], "float32")
    expected = torch.nn.functional.normalize(torch.tensor(x)).numpy()
    np.testing.assert_allclose(_np(kops.l2_normalize(x)), expected, rtol=1e-6)
    _, grad = value_and_grad(lambda t: keras.ops.sum(kops.l2_normalize(t)), x)
    assert np.all(np.isfinite(grad))


def test_rank_errors_name_the_argument():
    with pytest.raises(
        ValueError,
        match=r"`a` must be a rank-2 tensor.*Received: a.shape=\(3,\)",
    ):
        kops.pairwise_dot(np.ones(3, "float32"))
    with pytest.raises(ValueError, match=r"same last dimension.*Received"):
        kops.pairwise_dot(
            np.ones((2, 3), "float32"), np.ones((2, 4), "float32")
        )


def test_ops_are_jit_safe():
    # Static shapes only: every op traces under the backend's compiler.
    rng = np.random.default_rng(3)
    x = rng.normal(size=(6, 4)).astype("float32")
    y = np.array([0, 0, 1, 1, 2, 2], "int32")

    def f(t, labels):
        pos, neg = kops.label_masks(labels)
        mat = kops.pairwise_cosine_similarity(t)
        return keras.ops.sum(
            kops.masked_logsumexp(mat, pos, add_one=True)
        ) + keras.ops.sum(kops.masked_max(mat, neg))

    eager = _np(f(x, y))
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        compiled = jax.jit(f)(x, y)
    elif backend == "tensorflow":
        import tensorflow as tf

        compiled = tf.function(f, jit_compile=True)(x, y)
    else:
        # Keras' own torch ops contain graph breaks, so no fullgraph=True here;
        # aot_eager traces through dynamo and AOTAutograd without codegen.
        compiled = torch.compile(f, backend="aot_eager")(
            torch.tensor(x), torch.tensor(y)
        )
    np.testing.assert_allclose(_np(compiled), eager, rtol=1e-5)
