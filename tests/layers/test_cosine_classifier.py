import os

import keras
import numpy as np
import pytest

import kzoo
from kzoo.testing import value_and_grad

CE = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def _np(t):
    return keras.ops.convert_to_numpy(t)


def _layer(kernel, scale):
    layer = kzoo.layers.CosineClassifier(kernel.shape[1], scale=scale)
    layer.build((None, kernel.shape[0]))
    layer.kernel.assign(kernel)
    return layer


def test_hand_value():
    # PAPERS_METRIC.md §5: z = [1, 0], w1 = [1, 0], w2 = [0, 1], s = 10:
    # CE(y = 0) = log(1 + e^{-10}) = 4.5398899e-05.
    layer = _layer(np.eye(2, dtype="float32"), 10.0)
    value = float(_np(CE(np.array([0]), layer(np.array([[3.0, 0.0]])))))
    np.testing.assert_allclose(value, np.log1p(np.exp(-10.0)), atol=1e-7)


def test_matches_pml_normalized_softmax_value_and_feature_gradient():
    import torch
    from pytorch_metric_learning.losses import NormalizedSoftmaxLoss

    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 5)).astype("float32")
    y = rng.integers(0, 4, size=8)
    kernel = rng.normal(size=(5, 4))
    kernel = (kernel / np.linalg.norm(kernel, axis=0)).astype("float32")
    layer = _layer(kernel, 10.0)

    def fn(t):
        return CE(y, layer(t))

    value, grad = value_and_grad(fn, x)
    ref = NormalizedSoftmaxLoss(4, 5, temperature=0.1)
    ref.W.data = torch.tensor(kernel, dtype=torch.float64)
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    # PML's DotProductSimilarity normalizes embeddings by default.
    loss = ref(xt, torch.tensor(y))
    (rgrad,) = torch.autograd.grad(loss, [xt])
    np.testing.assert_allclose(value, loss.item(), rtol=1e-5)
    np.testing.assert_allclose(grad, rgrad.numpy(), rtol=1e-4, atol=1e-6)


def test_logits_are_scaled_cosines_and_zero_features_finite():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 3)).astype("float32")
    x[3] = 0.0
    layer = kzoo.layers.CosineClassifier(5, scale=7.0)
    out = _np(layer(x))
    w = _np(layer.kernel)
    np.testing.assert_allclose(np.linalg.norm(w, axis=0), 1.0, rtol=1e-6)
    cos = (x[:3] / np.linalg.norm(x[:3], axis=1, keepdims=True)) @ w
    np.testing.assert_allclose(out[:3], 7.0 * cos, rtol=1e-5, atol=1e-5)
    assert layer.weights == [layer.kernel]  # no bias
    _, grad = value_and_grad(lambda t: keras.ops.sum(layer(t)), x)
    assert np.all(np.isfinite(grad))


@pytest.fixture(scope="module")
def fit_data():
    rng = np.random.default_rng(4)
    y = np.tile(np.arange(3), 6).astype("int32")
    x = rng.normal(size=(3, 6))[y] + 0.3 * rng.normal(size=(18, 6))
    return x.astype("float32"), y


def _model():
    return keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(4),
            kzoo.layers.CosineClassifier(3, scale=5.0),
        ]
    )


@pytest.mark.filterwarnings(
    # Keras' dtype lattice is lru_cached; dynamo warns when tracing it.
    "ignore:Dynamo detected a call to a `functools.lru_cache`"
)
@pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
def test_fit_keeps_unit_norm_weights(jit_compile, fit_data):
    x, y = fit_data
    model = _model()
    model.compile(
        optimizer=keras.optimizers.SGD(0.5), loss=CE, jit_compile=jit_compile
    )
    before = _np(model.layers[-1].kernel).copy()
    hist = model.fit(x, y, batch_size=9, epochs=2, verbose=0)
    after = _np(model.layers[-1].kernel)
    assert np.all(np.isfinite(hist.history["loss"]))
    assert not np.allclose(before, after)
    np.testing.assert_allclose(np.linalg.norm(after, axis=0), 1.0, rtol=1e-5)


def test_keras_file_round_trip(tmp_path, fit_data):
    x, _ = fit_data
    model = _model()
    layer = model.layers[-1]
    assert (
        kzoo.layers.CosineClassifier.from_config(
            layer.get_config()
        ).get_config()
        == layer.get_config()
    )
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.layers[-1], kzoo.layers.CosineClassifier)
    np.testing.assert_allclose(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5
    )


def test_mixed_precision(fit_data):
    x, y = fit_data
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        model = _model()
        out = model(x)
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
        model.compile(optimizer="sgd", loss=CE)
        hist = model.fit(x, y, batch_size=18, epochs=1, verbose=0)
        assert np.all(np.isfinite(hist.history["loss"]))
    finally:
        keras.config.set_dtype_policy("float32")


def test_add_class_appends_normalized_mean(fit_data):
    x, _ = fit_data
    layer = kzoo.layers.CosineClassifier(2, scale=10.0)
    layer(x)
    new = x[:4] + 5.0
    layer.add_class(new)
    assert layer.num_classes == 3 and len(layer.trainable_weights) == 1
    w = _np(layer.kernel)
    unit = new / np.linalg.norm(new, axis=1, keepdims=True)
    mean = unit.mean(0)
    np.testing.assert_allclose(w[:, 2], mean / np.linalg.norm(mean), rtol=1e-5)
    assert _np(layer(new)).argmax(1).tolist() == [2, 2, 2, 2]


def test_bad_arguments():
    with pytest.raises(ValueError, match="Received: num_classes=0"):
        kzoo.layers.CosineClassifier(0)
    with pytest.raises(ValueError, match="Received: scale=-1"):
        kzoo.layers.CosineClassifier(3, scale=-1)
