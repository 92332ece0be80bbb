import os

import keras
import numpy as np
import pytest

import kzoo
from kzoo.testing import value_and_grad


def _x():
    x = np.random.default_rng(0).normal(size=(5, 6)).astype("float32")
    x[2] = 0.0
    return x


def test_matches_unit_normalization_and_ops():
    x = _x()
    got = keras.ops.convert_to_numpy(kzoo.layers.L2Normalization()(x))
    np.testing.assert_allclose(
        got,
        keras.ops.convert_to_numpy(kzoo.ops.l2_normalize(x)),
        rtol=1e-6,
        atol=1e-7,
    )
    keep = [
        0,
        1,
        3,
        4,
    ]  # UnitNormalization differs only at the zero row's epsilon
    np.testing.assert_allclose(
        got[keep],
        keras.ops.convert_to_numpy(keras.layers.UnitNormalization()(x))[keep],
        rtol=1e-6,
    )
    np.testing.assert_array_equal(got[2], 0.0)


def test_axis_and_gradient_at_zero():
    x = _x()
    got = keras.ops.convert_to_numpy(kzoo.layers.L2Normalization(axis=0)(x))
    np.testing.assert_allclose(np.linalg.norm(got, axis=0), 1.0, rtol=1e-6)
    layer = kzoo.layers.L2Normalization()
    _, grad = value_and_grad(lambda t: keras.ops.sum(layer(t)), x)
    assert np.all(np.isfinite(grad))


def test_mixed_precision_computes_in_float32():
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        layer = kzoo.layers.L2Normalization()
        out = layer(keras.ops.cast(_x() * 1e3, "bfloat16"))
        assert keras.backend.standardize_dtype(out.dtype) == "bfloat16"
        norms = np.linalg.norm(
            keras.ops.convert_to_numpy(keras.ops.cast(out, "float32")), axis=1
        )
        np.testing.assert_allclose(norms[[0, 1, 3, 4]], 1.0, rtol=1e-2)
    finally:
        keras.config.set_dtype_policy("float32")


def test_serialization(tmp_path):
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(4),
            kzoo.layers.L2Normalization(epsilon=1e-6),
        ]
    )
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.layers[-1], kzoo.layers.L2Normalization)
    assert loaded.layers[-1].epsilon == 1e-6
    x = _x()
    np.testing.assert_allclose(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6
    )


def test_bad_arguments():
    with pytest.raises(ValueError, match="Received: epsilon=0"):
        kzoo.layers.L2Normalization(epsilon=0)
    with pytest.raises(ValueError, match="Received: axis=1.5"):
        kzoo.layers.L2Normalization(axis=1.5)


@pytest.mark.large
def test_int8_tflite_uses_the_fused_kernel(tmp_path):
    from ai_edge_litert.interpreter import Interpreter

    rng = np.random.default_rng(1)
    model = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(32),
            kzoo.layers.L2Normalization(),
        ]
    )
    data = rng.normal(size=(200, 8)).astype("float32")
    out = os.path.join(tmp_path, "m.tflite")
    report = kzoo.export.export_model(
        model, out, quantize="int8", representative_data=data, verbose=False
    )
    ops = [d["op_name"] for d in Interpreter(out)._get_ops_details()]
    assert "L2_NORMALIZATION" in ops, ops
    emb = kzoo.export.TFLiteModel(out).predict(data[:50])
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=0.03)
    assert report.min_cosine > 0.99
