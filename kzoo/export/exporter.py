"""`export_model`: `.keras` → SavedModel / TFLite, with a numerical check.

This module validates the arguments and chooses where the conversion runs:
in this process on the TensorFlow backend (`kzoo.export._convert`), else in
a TensorFlow worker process (`kzoo.export._worker`, a JSON request and
result). Reports and the comparison with Keras are in
`kzoo.export.export_report`; model arguments (`.keras` file, preset folder,
preset name) are resolved by `kzoo.hub.resolve_model`.
"""

import dataclasses
import os
import tempfile

import keras
import numpy as np

from kzoo import backend
from kzoo.api_export import kzoo_export
from kzoo.export.export_report import ExportReport
from kzoo.export.export_report import compare_outputs
from kzoo.export.export_report import format_summary
from kzoo.export.export_report import keras_outputs
from kzoo.hub import load_preset
from kzoo.hub import resolve_model

_FORMATS = ("tf_saved_model", "tflite")
_QUANTIZATIONS = (None, "dynamic", "int8")


def _validate_choice(name, value, choices):
    if value not in choices:
        raise ValueError(
            f"`{name}` must be one of {{{', '.join(map(repr, choices))}}}. "
            f"Received: {name}={value!r}"
        )


def load_array(name, value):
    """An array from an array-like or a `.npy` path, first axis = samples."""
    if value is None:
        return None
    if isinstance(value, (str, os.PathLike)):
        path = os.fspath(value)
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"`{name}` must be an array or an existing `.npy` file. "
                f"Received: {name}={path!r} (no such file)"
            )
        try:
            # Memory-mapped: a large calibration set is read only when used.
            value = np.load(path, mmap_mode="r", allow_pickle=False)
        except (ValueError, OSError) as e:
            raise ValueError(
                f"`{name}` could not be read as a `.npy` file ({e}). "
                f"Received: {name}={path!r}"
            ) from None
        if not isinstance(value, np.ndarray):
            raise ValueError(
                f"`{name}` must be a `.npy` file holding one array, not an "
                f"archive. Received: {name}={path!r}"
            )
    else:
        value = np.asarray(value)
    if value.ndim < 1 or len(value) == 0:
        raise ValueError(
            f"`{name}` must have at least one sample along its first axis. "
            f"Received: {name}.shape={value.shape}"
        )
    return value


def _validate(model, output, format, quantize, representative_data):
    _validate_choice("format", format, _FORMATS)
    _validate_choice("quantize", quantize, _QUANTIZATIONS)
    if quantize is not None and format != "tflite":
        raise ValueError(
            f"`quantize` is only supported with format='tflite'. "
            f"Received: quantize={quantize!r}, format={format!r}"
        )
    if quantize == "int8" and representative_data is None:
        raise ValueError(
            "`representative_data` is required with quantize='int8' (it "
            "calibrates the activation ranges). Received: "
            "representative_data=None"
        )
    if not isinstance(model, (str, os.PathLike, keras.Model)):
        raise ValueError(
            f"`model` must be a keras.Model, a `.keras` file, a preset "
            f"folder or a registered preset name. Received: model of type "
            f"{type(model).__name__}"
        )
    if not isinstance(output, (str, os.PathLike)):
        raise ValueError(
            f"`output` must be a path. Received: output={output!r}"
        )
    output = os.path.abspath(os.fspath(output))
    if format == "tflite" and os.path.isdir(output):
        raise ValueError(
            f"`output` must be a file path for format='tflite', but it is an "
            f"existing directory. Received: output={output!r}"
        )
    if format == "tf_saved_model" and (
        os.path.isfile(output)
        or os.path.isdir(output)
        and os.listdir(output)
        and not os.path.isfile(os.path.join(output, "saved_model.pb"))
    ):
        raise ValueError(
            f"`output` must be a new or empty directory (or an existing "
            f"SavedModel, which is overwritten) for format='tf_saved_model'. "
            f"Received: output={output!r}"
        )
    return output


@kzoo_export("kzoo.export.export_model")
def export_model(
    model,
    output,
    format="tflite",
    *,
    quantize=None,
    representative_data=None,
    sample_input=None,
    check=True,
    verbose=True,
):
    """Exports a Keras model to TFLite or a TF SavedModel, and checks it.

    Export always runs on the TensorFlow backend. On JAX or PyTorch the model
    is written to a temporary `.keras` file (when a `keras.Model` is given)
    and exported by a `KERAS_BACKEND=tensorflow` worker process
    (`python -m kzoo.export._worker REQUEST.json`), which imports `kzoo`
    first so that kzoo-registered layers, losses and metrics load without
    `custom_objects`, and the application modules the model's config names
    (`kzoo.hub.load_model`). Other custom objects must be registered by a
    module that `import kzoo` imports.

    TFLite goes through a SavedModel and `tf.lite.TFLiteConverter`. The
    batch dimension stays resizable (see `kzoo.export.TFLiteModel`), and
    inputs and outputs stay float32 for every quantization mode.

    With `check=True`, the Keras model and the exported artifact run on the
    same batch: `sample_input` if given, else the first 4 rows of
    `representative_data`, else 4 seeded standard-normal samples of the
    model's input shape. The reference is the Keras model on the caller's
    backend when a `keras.Model` is given, else the `.keras` file loaded on
    TensorFlow. Checks and int8 calibration need a single-input model.
    Typical differences: about 1e-7 in float32, 2e-3 for `"dynamic"`, 1e-2
    for `"int8"` (judge int8 by `min_cosine`).

    Args:
        model: a `keras.Model`, the path to a `.keras` file, a registered
            preset name (see `kzoo presets`), or a preset
            folder (`config.json` + `model.weights.h5`, see `kzoo.hub`).
        output: the `.tflite` file (format `"tflite"`) or the directory
            (format `"tf_saved_model"`) to write.
        format: `"tflite"` or `"tf_saved_model"`. Defaults to `"tflite"`.
        quantize: TFLite only. `None` keeps float32 weights; `"dynamic"`
            stores weights as int8 (dynamic-range quantization); `"int8"`
            quantizes weights and activations to int8 (full-integer
            quantization, float32 input and output), calibrated on
            `representative_data`. Defaults to `None`.
        representative_data: calibration inputs for `quantize="int8"`: an
            array or the path to a `.npy` file whose first axis indexes
            samples (all of them are used; a few hundred is typical).
            Defaults to `None`.
        sample_input: the batch used by the check, an array or a `.npy`
            path. Defaults to `None`.
        check: whether to compare the exported artifact with Keras.
            Defaults to `True`.
        verbose: whether to print a short summary (path, size, max abs
            difference, min cosine). Defaults to `True`.

    Returns:
        A `kzoo.export.ExportReport`.

    Example:

    ```python
    report = kzoo.export.export_model(
        "embedder.keras", "embedder.tflite", quantize="int8",
        representative_data=x_train[:200])
    assert report.min_cosine > 0.99
    embeddings = kzoo.export.TFLiteModel("embedder.tflite")(x_test)
    ```
    """
    report = _export(
        model,
        output,
        format,
        quantize=quantize,
        representative_data=representative_data,
        sample_input=sample_input,
        check=check,
    )
    if verbose:
        print(format_summary(report), flush=True)
    return report


def _export(
    model,
    output,
    format,
    *,
    quantize=None,
    representative_data=None,
    sample_input=None,
    check=True,
):
    """`export_model` without the printing (also used by `kzoo export`)."""
    output = _validate(model, output, format, quantize, representative_data)
    if not isinstance(model, keras.Model):
        kind, where = resolve_model(model)
        if kind != "keras_file":
            # A preset is built here, so that the check compares with this
            # backend's model, as for a keras.Model argument.
            model = load_preset(where)
        else:
            model = where
    arrays = {
        name: load_array(name, value)
        for name, value in (
            ("representative_data", representative_data),
            ("sample_input", sample_input),
        )
    }
    if backend.exports_in_process():
        from kzoo.export import _convert

        return _convert.export(
            model, output, format, quantize=quantize, check=check, **arrays
        )
    # The worker reads `.npy` paths itself; only arrays are written out.
    for name, value in (
        ("representative_data", representative_data),
        ("sample_input", sample_input),
    ):
        if isinstance(value, (str, os.PathLike)):
            arrays[name] = os.path.abspath(os.fspath(value))
    return _export_in_worker(
        model, output, format, quantize=quantize, check=check, **arrays
    )


def _export_in_worker(
    model, output, format, *, quantize, representative_data, sample_input, check
):
    from kzoo.export import _worker

    with tempfile.TemporaryDirectory(prefix="kzoo-export-") as tmp:
        in_memory = isinstance(model, keras.Model)
        if in_memory:
            model_path = os.path.join(tmp, "model.keras")
            model.save(model_path)
        else:
            model_path = model
        request = {
            "model": model_path,
            "output": output,
            "format": format,
            "quantize": quantize,
            "check": check,
            "check_data": None,
        }
        for name, array in (
            ("representative_data", representative_data),
            ("sample_input", sample_input),
        ):
            if array is None or isinstance(array, str):
                request[name] = array
            else:
                request[name] = os.path.join(tmp, f"{name}.npy")
                np.save(request[name], array)
        if check and in_memory:
            request["check_data"] = os.path.join(tmp, "check.npz")
        report = ExportReport(**_worker.request_export(request, tmp))
        if request["check_data"] is not None:
            with np.load(request["check_data"]) as data:
                x = data["x"]
                exported = [data[f"y_{i}"] for i in range(len(data.files) - 1)]
            reference = keras_outputs(model, x)
            report = dataclasses.replace(
                report, **compare_outputs(exported, reference)
            )
    return report
