import os

import keras
import numpy as np
import pytest

import kzoo
from kzoo.testing import numerical_gradient
from kzoo.testing import value_and_grad

# PAPERS_METRIC.md §13 (paper Eq. 3, computed there by hand in float64):
# columns p1+, p2+, n1, n2; positives S[0, 0] and S[1, 1].
S = np.array([[0.80, 0.30, 0.60, 0.10], [0.20, 0.70, 0.40, 0.75]], "float32")
R = np.array([[1, 0, 0, 0], [0, 1, 0, 0]], "float32")


def _np(t):
    return keras.ops.convert_to_numpy(t)


def _reference(rel, scores, tau):
    """float64 NumPy from Eq. 3: per query, Σ_pos Σ_pooled-neg softplus."""
    rel = np.asarray(rel) > 0.5
    s = np.asarray(scores, "float64")
    neg = s[~rel]
    out = np.zeros(len(s))
    for i in range(len(s)):
        for p in s[i][rel[i]]:
            out[i] += np.logaddexp(0.0, (neg - p) / tau).sum()
    return out


@pytest.mark.parametrize("tau,expected", [(0.01, 2.5067387), (1.0, 3.2180781)])
def test_paper_values(tau, expected):
    got = float(_np(kzoo.losses.MannWhitneyLoss(tau)(R, S)))
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_pools_negatives_across_queries():
    # Row 1's negatives (0.2 and 0.75 among them) count for row 0's positive:
    # a per-row loss would differ.
    per_query = _np(kzoo.losses.mann_whitney(R, S, temperature=1.0))
    own_row_only = np.logaddexp(0.0, S[0, 1:] - S[0, 0]).sum()
    assert per_query[0] > own_row_only + 0.5
    np.testing.assert_allclose(per_query, _reference(R, S, 1.0), rtol=1e-6)


def test_value_and_gradient_match_reference():
    rng = np.random.default_rng(0)
    scores = rng.uniform(-1, 1, size=(4, 7)).astype("float32")
    rel = (rng.uniform(size=(4, 7)) < 0.3).astype("float32")
    rel[3] = 0.0  # a query without positives contributes 0
    loss = kzoo.losses.MannWhitneyLoss(temperature=0.2)
    value, grad = value_and_grad(lambda t: loss(rel, t), scores)
    ref = _reference(rel, scores, 0.2)
    np.testing.assert_allclose(value, ref.mean(), rtol=1e-5)
    expected = numerical_gradient(
        lambda t: _reference(rel, t, 0.2).mean(), scores.astype("float64")
    )
    np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-6)


def test_reductions_and_sample_weight():
    w = np.array([0.5, 2.0], "float32")
    per = _reference(R, S, 0.1)
    for reduction, expected in [
        ("sum", (w * per).sum()),
        ("sum_over_batch_size", (w * per).mean()),
        ("mean_with_sample_weight", (w * per).sum() / w.sum()),
    ]:
        loss = kzoo.losses.MannWhitneyLoss(0.1, reduction=reduction)
        np.testing.assert_allclose(
            float(_np(loss(R, S, sample_weight=w))), expected, rtol=1e-5
        )


@pytest.mark.parametrize("case", ["no_positive", "all_positive", "one_cell"])
def test_degenerate_inputs_are_finite(case):
    rel = {"no_positive": 0 * R, "all_positive": 0 * R + 1, "one_cell": R}[case]
    scores = S[:1, :1] if case == "one_cell" else S
    rel = rel[:1, :1] if case == "one_cell" else rel
    loss = kzoo.losses.MannWhitneyLoss()
    value, grad = value_and_grad(lambda t: loss(rel, t), scores)
    assert value == 0.0 and np.all(grad == 0.0)
    huge = kzoo.losses.MannWhitneyLoss(1e-4)
    value, grad = value_and_grad(lambda t: huge(R, t), S)
    assert np.isfinite(value) and np.all(np.isfinite(grad))


class _Scores(keras.layers.Layer):
    """Cosine scores of queries against a trainable set of 6 keys."""

    def build(self, shape):
        self.keys = self.add_weight(shape=(6, shape[-1]), name="keys")

    def call(self, x):
        x = keras.ops.cast(x, "float32")
        x = x / keras.ops.maximum(
            keras.ops.norm(x, axis=1, keepdims=True), 1e-6
        )
        k = self.keys / keras.ops.norm(self.keys, axis=1, keepdims=True)
        return keras.ops.matmul(x, keras.ops.transpose(k))


@pytest.mark.filterwarnings(
    # Keras' dtype lattice is lru_cached; dynamo warns when tracing it.
    "ignore:Dynamo detected a call to a `functools.lru_cache`"
)
@pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
def test_fit_smoke_with_auc_metric(jit_compile):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(12, 5)).astype("float32")
    rel = np.eye(6, dtype="float32")[np.arange(12) % 6]
    model = keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(4), _Scores()]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(0.01),
        loss=kzoo.losses.MannWhitneyLoss(0.1),
        metrics=[kzoo.metrics.RetrievalAUC()],
        jit_compile=jit_compile,
    )
    hist = model.fit(x, rel, batch_size=6, epochs=2, verbose=0)
    assert np.all(np.isfinite(hist.history["loss"]))
    assert 0.0 <= hist.history["retrieval_auc"][-1] <= 1.0


def test_mixed_precision():
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        out = kzoo.losses.MannWhitneyLoss()(R, keras.ops.cast(S, "bfloat16"))
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
        np.testing.assert_allclose(float(_np(out)), 2.5067387, rtol=2e-2)
    finally:
        keras.config.set_dtype_policy("float32")


def test_serialization(tmp_path):
    loss = kzoo.losses.MannWhitneyLoss(0.05, reduction="sum")
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert restored.get_config() == loss.get_config()
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(6)])
    model.compile(
        optimizer="sgd", loss=loss, metrics=[kzoo.metrics.RetrievalAUC(50)]
    )
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.loss.get_config() == loss.get_config()


def test_bad_arguments():
    with pytest.raises(ValueError, match="Received: temperature=0"):
        kzoo.losses.MannWhitneyLoss(0)
    with pytest.raises(ValueError, match="reduction"):
        kzoo.losses.MannWhitneyLoss(reduction="avg")
    with pytest.raises(ValueError, match="same shape"):
        kzoo.losses.MannWhitneyLoss()(R[:, :3], S)
    with pytest.raises(ValueError, match="scores.shape"):
        kzoo.losses.MannWhitneyLoss()(R[0], S[0])


def test_functional_twin_takes_y_true_and_y_pred():
    # The twin's arguments follow the package rule: (y_true, y_pred, ...).
    np.testing.assert_allclose(
        _np(kzoo.losses.mann_whitney(y_true=R, y_pred=S, temperature=1.0)),
        _np(kzoo.losses.MannWhitneyLoss(1.0, reduction="none")(R, S)),
        rtol=1e-6,
    )
