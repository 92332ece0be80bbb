"""`ExportReport`, its summary, and the comparison of exported outputs with
Keras (NumPy only; shared by the exporter, its TensorFlow side and its
worker process)."""

import dataclasses

import keras
import numpy as np

from kzoo.api_export import kzoo_export


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


def human_size(num_bytes):
    """`1536` -> `"1.5 KiB"`."""
    size = float(num_bytes)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            break
        size /= 1024
    return f"{num_bytes} B" if unit == "B" else f"{size:.1f} {unit}"


def format_summary(report):
    """The short human-readable summary printed by `export_model`."""
    lines = [
        f"Exported {report.format} to {report.path}",
        f"  quantize:     {report.quantize or 'none (float32)'}",
        f"  size:         {report.size_bytes:,} bytes "
        f"({human_size(report.size_bytes)})",
    ]
    if report.max_abs_diff is None:
        lines.append("  check:        skipped")
    else:
        lines.append(f"  max abs diff: {report.max_abs_diff:.3g}")
        lines.append(f"  min cosine:   {report.min_cosine:.6f}")
    return "\n".join(lines)


def keras_outputs(model, x):
    """The model's outputs on `x`, flattened to a list of float64 arrays."""
    outputs = model(x, training=False)
    return [
        np.asarray(keras.ops.convert_to_numpy(y), dtype=np.float64)
        for y in keras.tree.flatten(outputs)
    ]


def compare_outputs(exported, reference):
    """Max abs difference and min row cosine between lists of outputs.

    Returns:
        `{"max_abs_diff": float, "min_cosine": float}`.
    """
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
