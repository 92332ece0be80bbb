"""Export Keras models to TFLite and TF SavedModel, and run exported models.

Export always runs on the TensorFlow backend (in a worker process when the
current backend is JAX or PyTorch); see `export_model`.
"""

from kzoo.export.benchmark import benchmark_tflite
from kzoo.export.export_report import ExportReport
from kzoo.export.exporter import export_model
from kzoo.export.runtime import run_exported
from kzoo.export.tflite_model import TFLiteModel

__all__ = [
    "ExportReport",
    "TFLiteModel",
    "benchmark_tflite",
    "export_model",
    "run_exported",
]
