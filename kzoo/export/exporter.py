"""`export_model`: `.keras` → SavedModel / TFLite, with a numerical check."""

import dataclasses
import json
import os
import subprocess
import sys
import tempfile

import keras
import numpy as np

from kzoo.api_export import kzoo_export

_FORMATS = ("tf_saved_model", "tflite")
_QUANTIZATIONS = (None, "dynamic", "int8")


@kzoo_export("kzoo.export.ExportReport")
@dataclasses.dataclass(frozen=True)
class ExportReport:
    """What `kzoo.export.export_model` wrote, and how close it is to Keras.

    Args:
        path: absolute path of the exported file (TFLite) or directory
            (SavedModel).
        format: `"tflite"` or `"tf_saved_model"`.
        quantize: `None`, `"dynamic"` or `"int8"`.
        size_bytes: size of the file, or total size of the directory.
        max_abs_diff: largest `|exported - keras|` over the check batch, or
            `None` when the check was skipped. Defaults to `None`.
        min_cosine: smallest cosine similarity between matching rows of the
            exported and Keras outputs (each output flattened per sample), or
            `None` when the check was skipped. Defaults to `None`.
    """

    path: str
    format: str
    quantize: str | None
    size_bytes: int
    max_abs_diff: float | None = None
    min_cosine: float | None = None

    def to_dict(self):
        """Returns the report as a JSON-serializable dict."""
        return dataclasses.asdict(self)


def _human_size(num_bytes):
    size = float(num_bytes)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            break
        size /= 1024
    return f"{num_bytes} B" if unit == "B" else f"{size:.1f} {unit}"


def _format_summary(report):
    """The short human-readable summary printed by `export_model`."""
    lines = [
        f"Exported {report.format} to {report.path}",
        f"  quantize:     {report.quantize or 'none (float32)'}",
        f"  size:         {report.size_bytes:,} bytes "
        f"({_human_size(report.size_bytes)})",
    ]
    if report.max_abs_diff is None:
        lines.append("  check:        skipped")
    else:
        lines.append(f"  max abs diff: {report.max_abs_diff:.3g}")
        lines.append(f"  min cosine:   {report.min_cosine:.6f}")
    return "\n".join(lines)


def _validate_choice(name, value, choices):
    if value not in choices:
        raise ValueError(
            f"`{name}` must be one of {{{', '.join(map(repr, choices))}}}. "
            f"Received: {name}={value!r}"
        )


def _load_array(name, value):
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
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"`model` must be a keras.Model or an existing `.keras` "
                f"file. Received: model={path!r} (no such file)"
            )
    elif not isinstance(model, keras.Model):
        raise ValueError(
            f"`model` must be a keras.Model or a path to a `.keras` file. "
            f"Received: model of type {type(model).__name__}"
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
    and exported by a `KERAS_BACKEND=tensorflow` subprocess
    (`python -m kzoo export ...`), which imports `kzoo` first so that
    kzoo-registered layers, losses and metrics load without
    `custom_objects`. Other custom objects must be registered by a module
    that `import kzoo` imports.

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
        print(_format_summary(report), flush=True)
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
    check_data=None,
):
    """`export_model` without the printing. `check_data` is internal.

    `check_data` names an `.npz` file that receives the check batch (`x`)
    and the exported outputs (`y_0`, `y_1`, ...), so that a parent process
    can compare them with its own backend's model.
    """
    if isinstance(model, (str, os.PathLike)):
        from kzoo.hub import list_presets
        from kzoo.hub import load_preset

        path = os.fspath(model)
        registered = {p.name for p in list_presets()}
        if os.path.isfile(os.path.join(path, "config.json")) or (
            not os.path.exists(path) and path in registered
        ):
            model = load_preset(path)  # a preset folder or registered name
    output = _validate(model, output, format, quantize, representative_data)
    arrays = {
        name: _load_array(name, value)
        for name, value in (
            ("representative_data", representative_data),
            ("sample_input", sample_input),
        )
    }
    if keras.backend.backend() == "tensorflow":
        from kzoo.export import _convert

        return _convert.export(
            model,
            output,
            format,
            quantize=quantize,
            check=check,
            check_data=check_data,
            **arrays,
        )
    # The subprocess reads `.npy` paths itself; only arrays are written out.
    for name, value in (
        ("representative_data", representative_data),
        ("sample_input", sample_input),
    ):
        if isinstance(value, (str, os.PathLike)):
            arrays[name] = os.path.abspath(os.fspath(value))
    return _export_in_subprocess(
        model, output, format, quantize=quantize, check=check, **arrays
    )


def _export_in_subprocess(
    model, output, format, *, quantize, representative_data, sample_input, check
):
    with tempfile.TemporaryDirectory(prefix="kzoo-export-") as tmp:
        in_memory = isinstance(model, keras.Model)
        if in_memory:
            model_path = os.path.join(tmp, "model.keras")
            model.save(model_path)
        else:
            model_path = os.path.abspath(os.fspath(model))
        report_path = os.path.join(tmp, "report.json")
        cmd = [
            sys.executable,
            "-m",
            "kzoo",
            "export",
            model_path,
            "--format",
            format,
            "--output",
            output,
            "--json-report",
            report_path,
            "--quiet",
        ]
        if quantize is not None:
            cmd += ["--quantize", quantize]
        for flag, array, name in (
            ("--representative", representative_data, "representative"),
            ("--sample-input", sample_input, "sample_input"),
        ):
            if isinstance(array, str):
                cmd += [flag, array]
            elif array is not None:
                path = os.path.join(tmp, f"{name}.npy")
                np.save(path, array)
                cmd += [flag, path]
        check_path = None
        if not check:
            cmd.append("--no-check")
        elif in_memory:
            check_path = os.path.join(tmp, "check.npz")
            cmd += ["--check-data", check_path]
        # TF_CPP_MIN_LOG_LEVEL=2 keeps TF's C++ errors (shown on failure)
        # and drops its info and warning lines. Importing TF sets it to "1"
        # in this process's environment, so it is forced, not defaulted.
        env = dict(
            os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="2"
        )
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        result = None
        if os.path.isfile(report_path):
            with open(report_path) as f:
                result = json.load(f)
        if result is not None and "error" in result:
            error = result["error"]
            cls = {
                "FileNotFoundError": FileNotFoundError,
                "ValueError": ValueError,
            }.get(error["type"], RuntimeError)
            raise cls(error["message"])
        if proc.returncode != 0 or result is None:
            tail = "\n".join(proc.stderr.strip().splitlines()[-25:])
            raise RuntimeError(
                f"The TensorFlow export subprocess failed (exit code "
                f"{proc.returncode}). Command: {' '.join(cmd)}\n{tail}"
            )
        report = ExportReport(**result)
        if check_path is not None:
            with np.load(check_path) as data:
                x = data["x"]
                exported = [data[f"y_{i}"] for i in range(len(data.files) - 1)]
            reference = _keras_outputs(model, x)
            report = dataclasses.replace(
                report, **_compare(exported, reference)
            )
    return report


def _keras_outputs(model, x):
    outputs = model(x, training=False)
    return [
        np.asarray(keras.ops.convert_to_numpy(y), dtype=np.float64)
        for y in keras.tree.flatten(outputs)
    ]


def _compare(exported, reference):
    """Max abs difference and min row cosine between lists of outputs."""
    if len(exported) != len(reference):
        raise RuntimeError(
            f"The exported model has {len(exported)} outputs but the Keras "
            f"model has {len(reference)}."
        )
    max_abs_diff = 0.0
    min_cosine = 1.0
    for got, want in zip(exported, reference):
        got = np.asarray(got, np.float64)
        want = np.asarray(want, np.float64)
        if got.shape != want.shape:
            raise RuntimeError(
                f"Exported output shape {got.shape} differs from the Keras "
                f"output shape {want.shape}."
            )
        if got.size == 0:
            continue
        max_abs_diff = max(max_abs_diff, float(np.max(np.abs(got - want))))
        a = got.reshape(len(got), -1)
        b = want.reshape(len(want), -1)
        norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
        dots = np.sum(a * b, axis=1)
        both_zero = (np.linalg.norm(a, axis=1) == 0) & (
            np.linalg.norm(b, axis=1) == 0
        )
        cosine = np.where(
            both_zero, 1.0, dots / np.maximum(norms, np.finfo(np.float64).tiny)
        )
        min_cosine = min(min_cosine, float(np.min(cosine)))
    return {"max_abs_diff": max_abs_diff, "min_cosine": min_cosine}
