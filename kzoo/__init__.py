"""kzoo: research losses, metrics and layers for Keras 3.

Every component is written with `keras.ops` and runs unchanged on the
TensorFlow, JAX and PyTorch backends. Importing kzoo registers all public
objects with Keras, so `.keras` files that use them load without
`custom_objects`.
"""

from kzoo import callbacks
from kzoo import data
from kzoo import distances
from kzoo import evaluation
from kzoo import export
from kzoo import hub
from kzoo import layers
from kzoo import losses
from kzoo import metrics
from kzoo import miners
from kzoo import models
from kzoo import ops
from kzoo import topology
from kzoo import training
from kzoo.version import __version__

# isort: split
# Last: the applications build on everything above (and register their
# presets and serializable classes).
from kzoo import applications

__all__ = [
    "__version__",
    "applications",
    "callbacks",
    "data",
    "distances",
    "evaluation",
    "export",
    "hub",
    "layers",
    "losses",
    "metrics",
    "miners",
    "models",
    "ops",
    "topology",
    "training",
]
