"""The streamed (`chunk_size`) path of in-batch-negative losses equals the
dense path, value and gradient, on every backend and under its compiler."""

import keras
import numpy as np
import pytest

import kzoo
from kzoo.testing import EmbeddingLossChecklist
from kzoo.testing import clustered_embeddings
from kzoo.testing import value_and_grad
from tests.reference import pml


class TestNTXentLossStreamed(EmbeddingLossChecklist):
    # The whole per-loss checklist (reductions, finite differences, config,
    # .keras, fit with and without jit, mixed precision, degenerate batches)
    # on the streamed path, with tiles smaller than the test batches.
    loss_class = kzoo.losses.NTXentLoss
    default_kwargs = {"temperature": 0.5, "chunk_size": 3}
    bad_kwargs = [
        ({"chunk_size": 0}, r"Received: chunk_size=0"),
        ({"chunk_size": 2.5}, r"Received: chunk_size=2.5"),
        ({"gather_across_replicas": "yes"}, r"gather_across_replicas='yes'"),
        (
            {"chunk_size": 4, "miner": kzoo.miners.TripletMiner()},
            r"Received: chunk_size=4",
        ),
    ]

    @pytest.mark.requires_trainable_backend
    @pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
    def test_fit_smoke(self, jit_compile):
        if jit_compile and keras.backend.backend() == "torch":
            pytest.skip(
                "torch.compile runs the streamed kernel eagerly (a graph "
                "break, see kzoo/backend/autodiff.py) and inductor compiles "
                "the rest for minutes on 2 cores; the compiled path is "
                "checked by test_streamed_under_the_backend_compiler"
            )
        super().test_fit_smoke(jit_compile)


def _batch(seed, n=23, dim=6, classes=7):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, size=n).astype("int32")
    return y, rng.normal(size=(n, dim)).astype("float32")


DISTANCES = {
    "cosine": lambda: None,
    "euclidean": kzoo.distances.EuclideanDistance,
    "dot": kzoo.distances.DotProductSimilarity,
}


@pytest.mark.parametrize("chunk_size", [1, 4, 8, 23, 64])
@pytest.mark.parametrize("distance", list(DISTANCES))
def test_streamed_equals_dense(distance, chunk_size):
    y, x = _batch(0)
    kwargs = {"temperature": 0.2, "distance": DISTANCES[distance]()}
    dense = kzoo.losses.NTXentLoss(**kwargs)
    streamed = kzoo.losses.NTXentLoss(chunk_size=chunk_size, **kwargs)
    v0, g0 = value_and_grad(lambda t: dense(y, t), x)
    v1, g1 = value_and_grad(lambda t: streamed(y, t), x)
    np.testing.assert_allclose(v1, v0, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(g1, g0, rtol=1e-5, atol=1e-5)
    per0 = keras.ops.convert_to_numpy(
        kzoo.losses.NTXentLoss(reduction="none", **kwargs)(y, x)
    )
    per1 = keras.ops.convert_to_numpy(
        kzoo.losses.NTXentLoss(
            reduction="none", chunk_size=chunk_size, **kwargs
        )(y, x)
    )
    np.testing.assert_allclose(per1, per0, rtol=1e-5, atol=1e-5)


def test_streamed_matches_pytorch_metric_learning():
    y, x = clustered_embeddings(4, 5, 6, seed=3)
    expected, expected_grad = pml.value_and_grad(
        pml.losses.NTXentLoss(temperature=0.1), y, x
    )
    loss = kzoo.losses.NTXentLoss(temperature=0.1, chunk_size=6)
    value, grad = value_and_grad(lambda t: loss(y, t), x)
    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-4, atol=1e-5)


def test_streamed_is_stable_at_low_temperature():
    y, x = _batch(1)
    dense = kzoo.losses.NTXentLoss(temperature=1e-3)
    streamed = kzoo.losses.NTXentLoss(temperature=1e-3, chunk_size=5)
    v0, g0 = value_and_grad(lambda t: dense(y, t), x)
    v1, g1 = value_and_grad(lambda t: streamed(y, t), x)
    assert np.isfinite(v1) and np.all(np.isfinite(g1))
    np.testing.assert_allclose(v1, v0, rtol=1e-5)
    np.testing.assert_allclose(g1, g0, rtol=1e-4, atol=1e-5)


def _compiled_value_and_grad(fn, x, y):
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return jax.jit(jax.value_and_grad(fn))(x, y)
    if backend == "tensorflow":
        import tensorflow as tf

        @tf.function(jit_compile=True)
        def step(t, labels):
            with tf.GradientTape() as tape:
                tape.watch(t)
                value = fn(t, labels)
            return value, tape.gradient(value, t)

        return step(tf.constant(x), tf.constant(y))
    import torch

    t = torch.tensor(x, requires_grad=True)
    value = torch.compile(fn, backend="aot_eager")(t, torch.tensor(y))
    value.backward()
    return value.detach(), t.grad


def test_streamed_under_the_backend_compiler():
    y, x = _batch(2)
    dense = kzoo.losses.NTXentLoss(temperature=0.3)
    streamed = kzoo.losses.NTXentLoss(temperature=0.3, chunk_size=8)
    v0, g0 = value_and_grad(lambda t: dense(y, t), x)
    v1, g1 = _compiled_value_and_grad(lambda t, lab: streamed(lab, t), x, y)
    np.testing.assert_allclose(float(v1), v0, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(g1), g0, rtol=1e-5, atol=1e-5)


def test_tiled_row_reduce_sum_and_logsumexp():
    from keras import ops

    rng = np.random.default_rng(4)
    q = rng.normal(size=(5, 3)).astype("float32")
    k = rng.normal(size=(11, 3)).astype("float32")
    w = rng.normal(size=(5, 11)).astype("float32")

    def tile(qq, kk, row_args, row_data, key_data, index):
        valid = ops.less(index, 11)[None, :]
        s = ops.matmul(qq, ops.transpose(kk))
        return ops.where(valid, s, -1e30)

    for combine, dense in [
        ("logsumexp", lambda s: np.log(np.exp(s).sum(1))),
    ]:

        def streamed(qq, kk):
            out = kzoo.ops.tiled_row_reduce(
                lambda *a: ops.logsumexp(tile(*a), axis=1, keepdims=True),
                qq,
                kk,
                chunk_size=4,
                combine=combine,
            )
            return ops.sum(out[:, 0] * ops.convert_to_tensor(w[:, 0]))

        def reference(qq, kk):
            s = ops.matmul(qq, ops.transpose(kk))
            weights = ops.convert_to_tensor(w[:, 0])
            return ops.sum(ops.logsumexp(s, axis=1) * weights)

        v0, g0 = value_and_grad(reference, q, k, argnums=(0, 1))
        v1, g1 = value_and_grad(streamed, q, k, argnums=(0, 1))
        np.testing.assert_allclose(v1, v0, rtol=1e-5)
        np.testing.assert_allclose(
            v0, (dense(q @ k.T) * w[:, 0]).sum(), rtol=1e-5
        )
        for a, b in zip(g1, g0):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)

    def streamed_sum(qq, kk):
        out = kzoo.ops.tiled_row_reduce(
            lambda *a: ops.sum(
                ops.where(
                    ops.less(a[-1], 11)[None, :],
                    ops.square(ops.matmul(a[0], ops.transpose(a[1]))),
                    0.0,
                ),
                axis=1,
                keepdims=True,
            ),
            qq,
            kk,
            chunk_size=3,
        )
        return ops.sum(out)

    v, g = value_and_grad(streamed_sum, q, k, argnums=(0, 1))
    np.testing.assert_allclose(v, ((q @ k.T) ** 2).sum(), rtol=1e-5)
    np.testing.assert_allclose(g[0], 2 * (q @ k.T) @ k, rtol=1e-4)
    np.testing.assert_allclose(g[1], 2 * (q @ k.T).T @ q, rtol=1e-4)


def test_tiled_row_reduce_rejects_unknown_combine():
    with pytest.raises(ValueError, match="Received: combine='max'"):
        kzoo.ops.tiled_row_reduce(
            None,
            np.ones((2, 2), "float32"),
            np.ones((2, 2), "float32"),
            combine="max",
        )


def test_gather_is_identity_without_replicas():
    y, x = _batch(5)
    plain = kzoo.losses.NTXentLoss(0.2)
    gathered = kzoo.losses.NTXentLoss(0.2, gather_across_replicas=True)
    v0, g0 = value_and_grad(lambda t: plain(y, t), x)
    v1, g1 = value_and_grad(lambda t: gathered(y, t), x)
    np.testing.assert_allclose(v1, v0, rtol=1e-6)
    np.testing.assert_allclose(g1, g0, rtol=1e-6, atol=1e-7)
    out, offset = kzoo.backend.all_gather(keras.ops.convert_to_tensor(x))
    assert offset == 0 and tuple(out.shape) == x.shape
