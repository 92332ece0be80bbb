"""GaussianNaiveBayesHead (Zheng et al., ICML 2023).

Parity: the official `models/gaussnb.py` (`GaussianNB`, the `nb_diag`
model) of github.com/ML-GSAI/Revisiting-Dis-vs-Gen-Classifiers (commit
86a0bcc), run in a throwaway harness (numpy, pandas 2.2.3 — pandas 3 drops
a feature column in its `groupby.apply`) on data drawn from
`np.random.default_rng(2)`: centers = normal(scale=2, (3, 4)); labels
repeat([0, 1, 2], [10, 6, 8]); features = centers[labels] +
normal(scale=[0.5, 1, 2, 0.3], (24, 4)); test = centers[arange(12) % 3] +
normal(scale=2.5, (12, 4)). Recorded: its predictions and pooled variance
(one `fit`, and two streaming `fit` calls on the even and odd rows). Also a
float64 NumPy reference of the full Gaussian joint log-likelihood
(tests/reference/robust.py), whose softmax the head must reproduce.
"""

import os

import keras
import numpy as np
import pytest

import kzoo
from kzoo.testing import value_and_grad
from tests.reference import robust as ref

OFFICIAL_PRED = [0, 1, 2, 0, 1, 2, 0, 1, 2, 2, 1, 2]
OFFICIAL_VAR = [
    0.20902504810918027,
    0.9909621723925195,
    2.731852562019929,
    0.06385346121769893,
]


def _official_data():
    rng = np.random.default_rng(2)
    centers = rng.normal(scale=2, size=(3, 4))
    labels = np.repeat(np.arange(3), [10, 6, 8])
    feats = centers[labels] + rng.normal(
        scale=[0.5, 1.0, 2.0, 0.3], size=(24, 4)
    )
    test = centers[np.arange(12) % 3] + rng.normal(scale=2.5, size=(12, 4))
    return feats.astype("float32"), labels, test.astype("float32")


def _logits(head, x):
    return keras.ops.convert_to_numpy(head(x))


def _softmax(z):
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def test_matches_official_gaussnb_predictions_and_variance():
    feats, labels, test = _official_data()
    head = kzoo.layers.GaussianNaiveBayesHead(3).fit(feats, labels)
    np.testing.assert_array_equal(_logits(head, test).argmax(1), OFFICIAL_PRED)
    np.testing.assert_allclose(head.variance, OFFICIAL_VAR, rtol=1e-5)
    stream = kzoo.layers.GaussianNaiveBayesHead(3)
    stream.fit(feats[::2], labels[::2]).partial_fit(feats[1::2], labels[1::2])
    np.testing.assert_array_equal(
        _logits(stream, test).argmax(1), OFFICIAL_PRED
    )
    np.testing.assert_allclose(stream.variance, OFFICIAL_VAR, rtol=1e-5)
    np.testing.assert_allclose(
        _logits(stream, test), _logits(head, test), rtol=1e-4, atol=1e-4
    )


def test_softmax_is_the_float64_naive_bayes_posterior():
    feats, labels, test = _official_data()
    head = kzoo.layers.GaussianNaiveBayesHead(3, epsilon=1e-3).fit(
        feats, labels
    )
    joint, var = ref.gaussian_nb_logits(feats, labels, 3, test, epsilon=1e-3)
    np.testing.assert_allclose(head.variance, var, rtol=1e-5)
    np.testing.assert_allclose(
        _softmax(_logits(head, test)), _softmax(joint), atol=1e-5
    )
    # Logit differences are exact (the dropped term is class-independent).
    got = _logits(head, test)
    np.testing.assert_allclose(
        got - got[:, :1], joint - joint[:, :1], rtol=1e-4, atol=1e-3
    )


def test_closed_form_two_class_threshold_and_uniform_prior():
    # 1-D, classes at −1 and +1 with equal pooled variance: the boundary of
    # equal priors is 0; with priors 3:1 it moves to σ²·log(3)/2 towards +1.
    x = np.array([[-1.5], [-0.5], [-1.5], [-0.5], [-1.5], [-0.5], [0.5],
                  [1.5]], "float32")  # fmt: skip
    y = np.array([0, 0, 0, 0, 0, 0, 1, 1])
    head = kzoo.layers.GaussianNaiveBayesHead(2, epsilon=0.0).fit(x, y)
    var = 0.25
    w = keras.ops.convert_to_numpy(head.kernel)
    b = keras.ops.convert_to_numpy(head.bias)
    threshold = -(b[1] - b[0]) / (w[0, 1] - w[0, 0])
    np.testing.assert_allclose(threshold, var * np.log(3) / 2, rtol=1e-5)
    flat = kzoo.layers.GaussianNaiveBayesHead(2, fit_prior=False).fit(x, y)
    w = keras.ops.convert_to_numpy(flat.kernel)
    b = keras.ops.convert_to_numpy(flat.bias)
    np.testing.assert_allclose(-(b[1] - b[0]) / (w[0, 1] - w[0, 0]), 0.0,
                               atol=1e-6)  # fmt: skip


def test_unseen_class_batch_of_one_and_gradient():
    feats, labels, test = _official_data()
    head = kzoo.layers.GaussianNaiveBayesHead(4).fit(feats, labels)
    probs = _softmax(_logits(head, test))
    assert np.all(probs[:, 3] == 0.0) and np.all(np.isfinite(probs))
    single = kzoo.layers.GaussianNaiveBayesHead(2).fit(feats[:1], labels[:1])
    assert np.all(np.isfinite(_logits(single, test)))
    # It is differentiable in its input (usable on top of a trained encoder).
    _, grad = value_and_grad(lambda t: keras.ops.sum(head(t)), test)
    np.testing.assert_allclose(
        grad,
        np.broadcast_to(
            keras.ops.convert_to_numpy(head.kernel).sum(1), test.shape
        ),
        rtol=1e-5,
    )


def test_mixed_precision_outputs_float32_logits():
    feats, labels, test = _official_data()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        head = kzoo.layers.GaussianNaiveBayesHead(3).fit(feats, labels)
        out = head(keras.ops.cast(test, "bfloat16"))
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
        assert np.all(np.isfinite(keras.ops.convert_to_numpy(out)))
    finally:
        keras.config.set_dtype_policy("float32")


def test_keras_round_trip_and_frozen_in_fit(tmp_path):
    feats, labels, test = _official_data()
    head = kzoo.layers.GaussianNaiveBayesHead(3, epsilon=1e-4, name="nb")
    head.fit(feats, labels)
    model = keras.Sequential([keras.Input((4,)), head])
    path = os.path.join(tmp_path, "nb.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.layers[-1], kzoo.layers.GaussianNaiveBayesHead)
    assert loaded.layers[-1].get_config() == head.get_config()
    np.testing.assert_allclose(
        loaded.predict(test, verbose=0), model.predict(test, verbose=0)
    )
    assert head.trainable_weights == []


@pytest.mark.requires_trainable_backend
@pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
def test_fit_smoke_trains_the_encoder_below_a_fitted_head(jit_compile):
    feats, labels, _ = _official_data()
    head = kzoo.layers.GaussianNaiveBayesHead(3).fit(feats, labels)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4), head])
    before = keras.ops.convert_to_numpy(head.kernel).copy()
    model.compile(
        optimizer="sgd",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=jit_compile,
    )
    history = model.fit(feats, labels, batch_size=12, epochs=1, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(head.kernel), before
    )


def test_bad_arguments():
    with pytest.raises(ValueError, match="Received: num_classes=1"):
        kzoo.layers.GaussianNaiveBayesHead(1)
    with pytest.raises(ValueError, match="Received: epsilon=-1"):
        kzoo.layers.GaussianNaiveBayesHead(3, epsilon=-1)
    with pytest.raises(ValueError, match="Received: fit_prior=1"):
        kzoo.layers.GaussianNaiveBayesHead(3, fit_prior=1)
    head = kzoo.layers.GaussianNaiveBayesHead(3)
    with pytest.raises(ValueError, match="labels"):
        head.fit(np.zeros((4, 2)), np.array([0, 1, 2, 3]))
    with pytest.raises(ValueError, match="features"):
        head.fit(np.zeros((4,)), np.array([0, 1, 2, 0]))


def test_exports_to_tflite_as_a_dense_layer(tmp_path):
    # On JAX and PyTorch kzoo.export runs a TensorFlow subprocess.
    from ai_edge_litert.interpreter import Interpreter

    feats, labels, test = _official_data()
    head = kzoo.layers.GaussianNaiveBayesHead(3).fit(feats, labels)
    model = keras.Sequential([keras.Input((4,)), head])
    out = os.path.join(tmp_path, "nb.tflite")
    report = kzoo.export.export_model(
        model, out, sample_input=test, verbose=False
    )
    assert report.max_abs_diff < 1e-4
    ops = {d["op_name"] for d in Interpreter(out)._get_ops_details()}
    assert ops == {"FULLY_CONNECTED"}, ops
    got = kzoo.export.TFLiteModel(out).predict(test)
    np.testing.assert_array_equal(got.argmax(1), OFFICIAL_PRED)
