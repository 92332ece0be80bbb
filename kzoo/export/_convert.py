"""The TensorFlow side of `export_model`: conversion and check.

Runs in a TensorFlow-backend process: the caller's own process on the
TensorFlow backend, else the worker of `kzoo.export._worker`. Arguments are
validated by `kzoo.export.exporter` first.
"""

import dataclasses
import os
import tempfile

import keras
import numpy as np

from kzoo.export.export_report import ExportReport
from kzoo.export.export_report import compare_outputs
from kzoo.export.export_report import keras_outputs
from kzoo.export.runtime import run_exported

_NUM_CHECK_SAMPLES = 4


def _load(model):
    if isinstance(model, keras.Model):
        return model
    # A `.keras` file or a preset: kzoo.hub imports kzoo (registering its
    # objects) and the application modules the model's config names.
    from kzoo.hub import load_model

    return load_model(model)


def _single_input_shape(model, why, hint=""):
    inputs = getattr(model, "inputs", None)
    if not inputs:
        raise ValueError(
            f"{why} needs a model with known inputs (a functional or "
            f"sequential model, or one that has been built). Received: a "
            f"{type(model).__name__} without `inputs`"
        )
    if len(inputs) != 1:
        raise ValueError(
            f"{why} supports single-input models only{hint}. Received: a "
            f"model with {len(inputs)} inputs"
        )
    return tuple(inputs[0].shape), keras.backend.standardize_dtype(
        inputs[0].dtype
    )


def _conform(name, array, shape, dtype):
    expected = shape[1:]
    got = array.shape[1:]
    if len(got) != len(expected) or any(
        e is not None and e != g for e, g in zip(expected, got)
    ):
        pretty = ", ".join("None" if e is None else str(e) for e in expected)
        raise ValueError(
            f"`{name}` must have shape (num_samples, {pretty}) to match the "
            f"model input. Received: {name}.shape={array.shape}"
        )
    if "float" in dtype:
        return array.astype(np.float64 if dtype == "float64" else np.float32)
    return array.astype(dtype)


def _check_batch(model, sample_input, representative_data):
    shape, dtype = _single_input_shape(
        model, "The export check", " (pass `check=False` to skip it)"
    )
    if sample_input is not None:
        return _conform("sample_input", sample_input, shape, dtype)
    if representative_data is not None:
        return _conform(
            "representative_data",
            representative_data[:_NUM_CHECK_SAMPLES],
            shape,
            dtype,
        )
    if any(d is None for d in shape[1:]) or "float" not in dtype:
        raise ValueError(
            f"`sample_input` is required to check a model whose input is "
            f"not a fixed-shape float tensor. Received: input shape {shape}, "
            f"dtype {dtype}, sample_input=None"
        )
    rng = np.random.default_rng(0)
    return rng.standard_normal((_NUM_CHECK_SAMPLES,) + shape[1:]).astype(
        np.float32
    )


def _dir_size(path):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            total += os.path.getsize(os.path.join(root, name))
    return total


def _convert_tflite(saved_model_dir, quantize, representative_data):
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_saved_model(saved_model_dir)
    if quantize is not None:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "int8":

        def representative_dataset():
            for row in representative_data:
                yield [row[None]]

        converter.representative_dataset = representative_dataset
        converter.target_spec.supported_ops = [
            tf.lite.OpsSet.TFLITE_BUILTINS_INT8
        ]
        # inference_input_type / inference_output_type stay float32: the
        # graph quantizes its input and dequantizes its output.
    return converter.convert()


def export(
    model,
    output,
    format,
    *,
    quantize,
    representative_data,
    sample_input,
    check,
    check_data=None,
):
    """Exports on the TF backend. Arguments are validated by the caller."""
    model = _load(model)
    if quantize == "int8":
        shape, dtype = _single_input_shape(model, "int8 calibration")
        representative_data = _conform(
            "representative_data", representative_data, shape, dtype
        )
    x = None
    if check:
        x = _check_batch(model, sample_input, representative_data)

    os.makedirs(os.path.dirname(output), exist_ok=True)
    if format == "tf_saved_model":
        model.export(output, format="tf_saved_model", verbose=False)
        size = _dir_size(output)
    else:
        with tempfile.TemporaryDirectory(prefix="kzoo-savedmodel-") as tmp:
            saved_model_dir = os.path.join(tmp, "saved_model")
            model.export(
                saved_model_dir, format="tf_saved_model", verbose=False
            )
            flatbuffer = _convert_tflite(
                saved_model_dir, quantize, representative_data
            )
        with open(output, "wb") as f:
            f.write(flatbuffer)
        size = os.path.getsize(output)

    report = ExportReport(
        path=output, format=format, quantize=quantize, size_bytes=size
    )
    if not check:
        return report
    exported = run_exported(output, x)
    reference = keras_outputs(model, x)
    if check_data is not None:
        np.savez(
            check_data, x=x, **{f"y_{i}": y for i, y in enumerate(exported)}
        )
    return dataclasses.replace(report, **compare_outputs(exported, reference))
