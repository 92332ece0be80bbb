"""`kzoo.export.export_model` and `kzoo.export.TFLiteModel`.

On JAX and PyTorch every export runs in a `KERAS_BACKEND=tensorflow`
subprocess (about 6 s, mostly importing TF), so each variant is exported
once, by one test, and the argument checks run before any subprocess.
"""

import dataclasses
import os

import keras
import numpy as np
import pytest

import kzoo.export
from kzoo.export.export_report import format_summary

BACKEND = keras.backend.backend()
INPUT_SHAPE = (8, 8, 1)

# Float32 TFLite and SavedModel reproduce Keras to about 1e-7 (the float
# reference crosses backends on JAX and PyTorch): measured 9e-8 to 1.4e-7.
# Dynamic-range quantization stores int8 weights and quantizes activations
# per batch on the fly; int8 also quantizes activations with calibrated
# ranges. Measured on this model over the three backends: dynamic 2.3e-3 to
# 5.1e-3, int8 5.8e-3 to 9.7e-3 with min cosine >= 0.9999 (about 1e-2 and
# 0.997 on the larger model of research/ENVIRONMENT.md section 9.2), so the
# bounds leave a 2x to 5x margin.
FLOAT_ATOL = 1e-5
DYNAMIC_ATOL = 1e-2
INT8_ATOL = 5e-2
INT8_MIN_COSINE = 0.99


def build_embedder():
    """8x8x1 -> Conv2D -> GAP -> Dense(128) -> Dense(8) -> L2-normalised.

    Both Dense kernels hold 1024 weights, the smallest tensor the TFLite
    converter quantizes, so "dynamic" really changes the model.
    """
    keras.utils.set_random_seed(7)
    inputs = keras.Input(INPUT_SHAPE)
    x = keras.layers.Conv2D(8, 3, activation="relu")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dense(128, activation="relu")(x)
    x = keras.layers.Dense(8)(x)
    outputs = keras.layers.UnitNormalization()(x)
    return keras.Model(inputs, outputs, name="embedder")


def keras_outputs(model, x):
    return keras.ops.convert_to_numpy(model(x, training=False))


def rows_cosine(a, b):
    a = a.reshape(len(a), -1)
    b = b.reshape(len(b), -1)
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return np.sum(a * b, axis=1) / norms


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("export")


@pytest.fixture(scope="module")
def model():
    return build_embedder()


@pytest.fixture(scope="module")
def keras_file(model, workdir):
    path = workdir / "embedder.keras"
    model.save(path)
    return path


@pytest.fixture(scope="module")
def data(workdir):
    """Calibration data, saved as `.npy`, and a check batch."""
    rng = np.random.default_rng(3)
    representative = rng.standard_normal((64,) + INPUT_SHAPE)
    path = workdir / "representative.npy"
    np.save(path, representative.astype("float32"))
    x = rng.standard_normal((7,) + INPUT_SHAPE).astype("float32")
    return path, x


@pytest.mark.large
def test_float_tflite(model, data, tmp_path):
    # The in-memory model exercises the temporary `.keras` path off TF.
    report = kzoo.export.export_model(
        model, tmp_path / "float" / "embedder.tflite", verbose=False
    )
    assert report.format == "tflite" and report.quantize is None
    assert os.path.isabs(report.path) and os.path.isfile(report.path)
    assert report.size_bytes == os.path.getsize(report.path)
    assert report.size_bytes > 4 * model.count_params()
    assert report.max_abs_diff < FLOAT_ATOL
    assert report.min_cosine > 1 - 1e-6

    # TFLiteModel: the batch dimension is resized on demand.
    tflite = kzoo.export.TFLiteModel(report.path, num_threads=1)
    assert tflite.input_shape == (None,) + INPUT_SHAPE
    _, x = data
    expected = keras_outputs(model, x)
    for batch in (1, 3, 7, 3):
        got = tflite(x[:batch].tolist() if batch == 1 else x[:batch])
        assert got.shape == (batch, 8) and got.dtype == np.float32
        assert tuple(tflite.input_details[0]["shape"]) == (batch,) + INPUT_SHAPE
        np.testing.assert_allclose(got, expected[:batch], atol=FLOAT_ATOL)
    # float64 input is cast; predict() chunks.
    np.testing.assert_allclose(
        tflite.predict(x.astype("float64"), batch_size=2),
        expected,
        atol=FLOAT_ATOL,
    )

    with pytest.raises(ValueError, match=r"Received: x.shape=\(2, 8, 8\)"):
        tflite(np.zeros((2, 8, 8), "float32"))
    with pytest.raises(ValueError, match="Received: x.shape=.2, 8, 8, 3."):
        tflite(np.zeros((2, 8, 8, 3), "float32"))
    with pytest.raises(ValueError, match="Received: batch_size=0"):
        tflite.predict(np.zeros((2,) + INPUT_SHAPE), batch_size=0)


@pytest.mark.large
def test_dynamic_quantization(model, keras_file, tmp_path):
    report = kzoo.export.export_model(
        keras_file,
        tmp_path / "embedder.tflite",
        quantize="dynamic",
        verbose=False,
    )
    assert report.quantize == "dynamic"
    # Smaller than the float32 weights alone: the kernels are stored as int8.
    assert report.size_bytes < 4 * model.count_params()
    assert 0 < report.max_abs_diff < DYNAMIC_ATOL


@pytest.mark.large
def test_int8_quantization(model, keras_file, data, tmp_path, capsys):
    representative_path, x = data
    report = kzoo.export.export_model(
        str(keras_file),
        tmp_path / "embedder.tflite",
        quantize="int8",
        representative_data=representative_path,
    )
    summary = capsys.readouterr().out
    assert f"Exported tflite to {report.path}" in summary
    assert "quantize:     int8" in summary
    assert f"{report.size_bytes:,} bytes" in summary
    assert "KiB" in summary and "max abs diff" in summary
    assert report.quantize == "int8"
    assert report.max_abs_diff < INT8_ATOL
    assert report.min_cosine > INT8_MIN_COSINE

    tflite = kzoo.export.TFLiteModel(report.path)
    # Float I/O is kept: the graph quantizes and dequantizes internally.
    assert tflite.input_details[0]["dtype"] == np.float32
    assert tflite.output_details[0]["dtype"] == np.float32
    got = tflite(x)
    assert rows_cosine(got, keras_outputs(model, x)).min() > INT8_MIN_COSINE


@pytest.mark.large
def test_saved_model(keras_file, model, data, tmp_path):
    report = kzoo.export.export_model(
        keras_file,
        tmp_path / "saved_model",
        format="tf_saved_model",
        verbose=False,
    )
    assert report.format == "tf_saved_model" and report.quantize is None
    assert os.path.isfile(os.path.join(report.path, "saved_model.pb"))
    assert report.size_bytes > os.path.getsize(
        os.path.join(report.path, "saved_model.pb")
    )
    assert report.max_abs_diff < FLOAT_ATOL
    if BACKEND == "tensorflow":
        import tensorflow as tf

        loaded = tf.saved_model.load(report.path)
        _, x = data
        got = loaded.serve(tf.constant(x)).numpy()
        np.testing.assert_allclose(
            got, keras_outputs(model, x), atol=FLOAT_ATOL
        )


def test_report_to_dict():
    report = kzoo.export.ExportReport(
        path="/tmp/m.tflite",
        format="tflite",
        quantize=None,
        size_bytes=10,
        max_abs_diff=1e-7,
        min_cosine=1.0,
    )
    assert report.to_dict() == {
        "path": "/tmp/m.tflite",
        "format": "tflite",
        "quantize": None,
        "size_bytes": 10,
        "max_abs_diff": 1e-7,
        "min_cosine": 1.0,
    }
    with pytest.raises(AttributeError):
        report.size_bytes = 11


def test_summary_text():
    report = kzoo.export.ExportReport(
        "/tmp/m.tflite", "tflite", "int8", 20544, 7.4e-3, 0.99691
    )
    summary = format_summary(report)
    assert "Exported tflite to /tmp/m.tflite" in summary
    assert "quantize:     int8" in summary
    assert "20,544 bytes (20.1 KiB)" in summary
    assert "max abs diff: 0.0074" in summary
    assert "min cosine:   0.996910" in summary
    skipped = dataclasses.replace(
        report, quantize=None, max_abs_diff=None, min_cosine=None
    )
    assert "check:        skipped" in format_summary(skipped)
    assert "quantize:     none (float32)" in format_summary(skipped)
    assert "(123 B)" in format_summary(
        dataclasses.replace(report, size_bytes=123)
    )


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (
            {"format": "onnx"},
            ValueError,
            r"`format` must be one of \{'tf_saved_model', 'tflite'\}. "
            r"Received: format='onnx'",
        ),
        (
            {"quantize": "fp16"},
            ValueError,
            r"`quantize` must be one of \{None, 'dynamic', 'int8'\}. "
            r"Received: quantize='fp16'",
        ),
        (
            {"quantize": "int8"},
            ValueError,
            "`representative_data` is required with quantize='int8'",
        ),
        (
            {"format": "tf_saved_model", "quantize": "dynamic"},
            ValueError,
            "Received: quantize='dynamic', format='tf_saved_model'",
        ),
        (
            {"quantize": "int8", "representative_data": "missing.npy"},
            FileNotFoundError,
            "Received: representative_data='missing.npy'",
        ),
        (
            {"sample_input": np.zeros((0, 8, 8, 1))},
            ValueError,
            r"Received: sample_input.shape=\(0, 8, 8, 1\)",
        ),
    ],
)
def test_bad_arguments(keras_file, tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        kzoo.export.export_model(
            keras_file, tmp_path / "m.tflite", verbose=False, **kwargs
        )
    assert not os.listdir(tmp_path)


def test_bad_model_and_output(keras_file, tmp_path):
    with pytest.raises(FileNotFoundError, match="Received: model='nope.keras'"):
        kzoo.export.export_model("nope.keras", tmp_path / "m.tflite")
    with pytest.raises(ValueError, match="Received: model of type list"):
        kzoo.export.export_model([1], tmp_path / "m.tflite")
    with pytest.raises(ValueError, match="existing directory"):
        kzoo.export.export_model(keras_file, tmp_path)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError, match="new or empty directory"):
        kzoo.export.export_model(
            keras_file, tmp_path / "other", format="tf_saved_model"
        )


def test_tflite_model_bad_arguments(tmp_path):
    with pytest.raises(FileNotFoundError, match="Received: path="):
        kzoo.export.TFLiteModel(tmp_path / "missing.tflite")


@pytest.mark.tf_only
def test_unloadable_model_file(tmp_path):
    path = tmp_path / "broken.keras"
    path.write_text("not a zip file")
    with pytest.raises(ValueError, match="could not be loaded as a Keras"):
        kzoo.export.export_model(path, tmp_path / "m.tflite")


@pytest.mark.tf_only
def test_int8_representative_shape_is_checked(keras_file, tmp_path):
    with pytest.raises(
        ValueError, match=r"Received: representative_data.shape=\(4, 8, 8\)"
    ):
        kzoo.export.export_model(
            keras_file,
            tmp_path / "m.tflite",
            quantize="int8",
            representative_data=np.zeros((4, 8, 8), "float32"),
        )


@pytest.mark.tf_only
def test_multi_output_order_and_multi_input_error(tmp_path):
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(6, activation="relu")(inputs)
    outputs = [keras.layers.Dense(n)(hidden) for n in (3, 5, 2)]
    model = keras.Model(inputs, outputs)
    report = kzoo.export.export_model(model, tmp_path / "m.tflite")
    assert report.max_abs_diff < FLOAT_ATOL
    x = np.random.default_rng(0).standard_normal((2, 4)).astype("float32")
    got = kzoo.export.TFLiteModel(report.path)(x)
    for g, want in zip(got, model(x), strict=True):
        np.testing.assert_allclose(g, want, atol=FLOAT_ATOL)

    a, b = keras.Input((4,), name="a"), keras.Input((2,), name="b")
    y = keras.layers.Dense(3)(keras.layers.Concatenate()([a, b]))
    two_inputs = keras.Model([a, b], y)
    with pytest.raises(
        ValueError, match="check=False.*Received: a model with 2 inputs"
    ):
        kzoo.export.export_model(two_inputs, tmp_path / "two.tflite")
    report = kzoo.export.export_model(
        two_inputs, tmp_path / "two.tflite", check=False
    )
    assert report.max_abs_diff is None and report.min_cosine is None
    tflite = kzoo.export.TFLiteModel(report.path)
    assert sorted(tflite.input_names) == ["a", "b"]
    xa, xb = np.ones((3, 4), "float32"), np.ones((3, 2), "float32")
    np.testing.assert_allclose(
        tflite({"a": xa, "b": xb}), two_inputs([xa, xb]), atol=FLOAT_ATOL
    )
    with pytest.raises(ValueError, match="This model has 2 inputs"):
        tflite(xa)


@pytest.mark.tf_only
def test_tflite_model_quantizes_integer_inputs(model, data, tmp_path):
    # export_model keeps float I/O; an int8-I/O model is built by hand here
    # to check that TFLiteModel quantizes inputs and dequantizes outputs.
    import tensorflow as tf

    representative_path, x = data
    representative = np.load(representative_path)
    model.export(tmp_path / "sm", format="tf_saved_model", verbose=False)
    converter = tf.lite.TFLiteConverter.from_saved_model(str(tmp_path / "sm"))
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: (
        [row[None]] for row in representative
    )
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    (tmp_path / "int8_io.tflite").write_bytes(converter.convert())

    tflite = kzoo.export.TFLiteModel(tmp_path / "int8_io.tflite")
    assert tflite.input_details[0]["dtype"] == np.int8
    got = tflite(x)
    assert got.dtype == np.float32
    cosine = rows_cosine(got, keras_outputs(model, x))
    assert cosine.min() > INT8_MIN_COSINE
