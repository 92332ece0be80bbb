"""Export Keras models to TFLite and TF SavedModel, and run TFLite models.

Export always runs on the TensorFlow backend (in a subprocess when the
current backend is JAX or PyTorch); see `export_model`.
"""

from kzoo.export.benchmark import benchmark_tflite
from kzoo.export.exporter import ExportReport
from kzoo.export.exporter import export_model
from kzoo.export.tflite_model import TFLiteModel

__all__ = [
    "ExportReport",
    "TFLiteModel",
    "benchmark_tflite",
    "export_model",
]
