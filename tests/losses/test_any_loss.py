import os

import keras
import numpy as np
import pytest
from sklearn import metrics as skm

import kzoo
from kzoo.testing import numerical_gradient
from kzoo.testing import value_and_grad
from tests.reference import classification as ref

# Parity: scikit-learn's metrics on confident predictions (where the
# amplified sigmoid is 0/1 to within 1e-15), and the float64 reference
# tests/reference/classification.py::any_loss for values and gradients.

METRICS = ["accuracy", "f1", "fbeta", "gmean", "balanced_accuracy"]


def _make(metric, **kw):
    beta = 2.0 if metric == "fbeta" else 1.0
    return kzoo.losses.AnyLoss(metric=metric, beta=beta, **kw)


def _value(loss, y, p, **kw):
    return float(keras.ops.convert_to_numpy(loss(y, p, **kw)))


def _batch():
    rng = np.random.default_rng(0)
    y = np.array([1, 0, 0, 1, 0, 1, 0, 0, 1], "float32")
    p = rng.uniform(0.05, 0.95, size=len(y)).astype("float32")
    return y, p


def test_paper_example():
    # PAPERS_OTHER.md §2 [verified numerically]: y = [1, 1, 0, 0],
    # p = [0.99, 0.01, 0.01, 0.99] → every loss is 0.5 (F1 0.5000012 and
    # balanced accuracy 0.5000006 with the notebooks' s = 1e-5).
    y = np.array([1, 1, 0, 0], "float32")
    p = np.array([0.99, 0.01, 0.01, 0.99], "float32")
    for metric in ["accuracy", "f1", "gmean", "balanced_accuracy"]:
        got = _value(kzoo.losses.AnyLoss(metric=metric), y, p)
        np.testing.assert_allclose(got, 0.5, atol=2e-5, err_msg=metric)


@pytest.mark.parametrize("metric", METRICS)
def test_confident_predictions_equal_one_minus_sklearn_metric(metric):
    rng = np.random.default_rng(1)
    y = (rng.random(23) < 0.3).astype("int32")
    hard = np.where(rng.random(23) < 0.75, y, 1 - y)
    p = np.where(hard == 1, 0.99, 0.01).astype("float32")
    if metric == "accuracy":
        expected = skm.accuracy_score(y, hard)
    elif metric == "f1":
        expected = skm.f1_score(y, hard)
    elif metric == "fbeta":
        expected = skm.fbeta_score(y, hard, beta=2.0)
    elif metric == "balanced_accuracy":
        expected = skm.balanced_accuracy_score(y, hard)
    else:
        recall = skm.recall_score(y, hard)
        specificity = skm.recall_score(1 - y, 1 - hard)
        expected = np.sqrt(recall * specificity)
    got = _value(_make(metric), y, p)
    np.testing.assert_allclose(got, 1.0 - expected, atol=5e-5)


@pytest.mark.parametrize("metric", METRICS)
def test_matches_float64_reference_value_and_gradient(metric):
    y, p = _batch()
    beta = 2.0 if metric == "fbeta" else 1.0
    loss = _make(metric, amplifier=5.0)
    value, grad = value_and_grad(lambda t: loss(y, t), p)
    np.testing.assert_allclose(
        value, ref.any_loss(y, p, metric, beta, 5.0), rtol=1e-5
    )
    expected = numerical_gradient(
        lambda t: ref.any_loss(y, t, metric, beta, 5.0), p
    )
    np.testing.assert_allclose(grad, expected, rtol=1e-3, atol=1e-6)


def test_batch_size_is_read_from_the_batch():
    # The reference notebooks divide by a global batch-size constant; here a
    # batch of 5 and one of 9 are each normalized by their own size.
    y, p = _batch()
    for n in (5, 9):
        np.testing.assert_allclose(
            _value(
                kzoo.losses.AnyLoss("accuracy", amplifier=5.0), y[:n], p[:n]
            ),
            ref.any_loss(y[:n], p[:n], "accuracy", amplifier=5.0),
            rtol=1e-5,
        )


@pytest.mark.parametrize("metric", METRICS)
def test_sample_weight_counts_samples(metric):
    # Weight 2 on a sample is the same as the sample appearing twice.
    y, p = _batch()
    w = np.ones_like(p)
    w[[0, 3]] = 2.0
    dup_y = np.concatenate([y, y[[0, 3]]])
    dup_p = np.concatenate([p, p[[0, 3]]])
    loss = _make(metric)
    np.testing.assert_allclose(
        _value(loss, y, p, sample_weight=w),
        _value(loss, dup_y, dup_p),
        rtol=1e-5,
    )


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize(
    "case", ["all_negative", "all_positive", "batch_of_one", "column"]
)
def test_degenerate_batches_are_finite_and_bounded(metric, case):
    y, p = _batch()
    if case == "all_negative":
        y = np.zeros_like(y)
    elif case == "all_positive":
        y = np.ones_like(y)
    elif case == "batch_of_one":
        y, p = y[:1], p[:1]
    else:
        y, p = y[:, None], p[:, None]
    value, grad = value_and_grad(lambda t: _make(metric)(y, t), p)
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    assert -1e-6 <= value <= 1.0 + 1e-6


def test_one_class_batch_keeps_balanced_accuracy_trainable():
    y, p = _batch()
    y = np.zeros_like(y)
    _, grad = value_and_grad(
        lambda t: kzoo.losses.AnyLoss("balanced_accuracy", amplifier=5.0)(y, t),
        p,
    )
    assert np.all(grad > 0)  # lower p on every negative


def test_from_logits():
    y, p = _batch()
    logits = np.log(p / (1 - p))
    np.testing.assert_allclose(
        _value(kzoo.losses.AnyLoss(from_logits=True), y, logits),
        _value(kzoo.losses.AnyLoss(), y, p),
        rtol=1e-5,
    )


def test_bad_arguments_raise():
    for kwargs, match in [
        ({"metric": "auc"}, "Received: metric='auc'"),
        ({"metric": "f1", "beta": 2.0}, "Received: beta=2.0"),
        ({"metric": "fbeta", "beta": 0}, "Received: beta=0"),
        ({"amplifier": -1.0}, "Received: amplifier=-1.0"),
        ({"from_logits": 1}, "Received: from_logits=1"),
        ({"reduction": "avg"}, "reduction"),
    ]:
        with pytest.raises(ValueError, match=match):
            kzoo.losses.AnyLoss(**kwargs)
    with pytest.raises(ValueError, match="y_pred"):
        kzoo.losses.AnyLoss()(np.zeros(4), np.zeros((4, 2)))


def _model():
    return keras.Sequential(
        [keras.Input((6,)), keras.layers.Dense(1, activation="sigmoid")]
    )


def _fit_data():
    rng = np.random.default_rng(3)
    y = (np.arange(14) % 3 == 0).astype("float32")
    x = rng.normal(size=(14, 6)) + 1.5 * y[:, None]
    return x.astype("float32"), y


def test_serialization_and_keras_file_round_trip(tmp_path):
    loss = kzoo.losses.AnyLoss(metric="fbeta", beta=0.5, amplifier=30.0)
    serialized = keras.losses.serialize(loss)
    assert serialized["registered_name"] == "kzoo>AnyLoss"
    restored = keras.losses.deserialize(serialized)
    assert restored.get_config() == loss.get_config()
    model = _model()
    model.compile(optimizer="sgd", loss=loss)
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded.loss) is kzoo.losses.AnyLoss
    assert loaded.loss.get_config() == loss.get_config()


@pytest.mark.requires_trainable_backend
@pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
def test_fit_smoke_with_a_partial_last_batch(jit_compile):
    x, y = _fit_data()
    model = _model()
    before = [np.array(w) for w in model.get_weights()]
    model.compile(
        optimizer=keras.optimizers.SGD(0.5),
        loss=kzoo.losses.AnyLoss(metric="f1", amplifier=10.0),
        jit_compile=jit_compile,
    )
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert any(
        not np.allclose(a, b) for a, b in zip(before, model.get_weights())
    )


def test_mixed_precision():
    y, p = _batch()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        out = kzoo.losses.AnyLoss()(y, keras.ops.cast(p, "bfloat16"))
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
        x, yf = _fit_data()
        model = _model()
        model.compile(optimizer="sgd", loss=kzoo.losses.AnyLoss())
        history = model.fit(x, yf, batch_size=14, epochs=1, verbose=0)
        assert np.all(np.isfinite(history.history["loss"]))
    finally:
        keras.config.set_dtype_policy("float32")


def test_functional_twin_equals_class():
    y, p = _batch()
    np.testing.assert_allclose(
        float(kzoo.losses.any_loss(y, p, metric="gmean")),
        _value(kzoo.losses.AnyLoss(metric="gmean"), y, p),
        rtol=1e-6,
    )
