"""kzoo: research losses, metrics and layers for Keras 3.

Every component is written with `keras.ops` and runs unchanged on the
TensorFlow, JAX and PyTorch backends. Importing kzoo registers all public
objects with Keras, so `.keras` files that use them load without
`custom_objects`.

The applications (`kzoo.applications`) are not imported by `import kzoo`:
`from kzoo.applications import face` imports one when it is used.
"""

# Why two modes. `import kzoo` must register every public object with Keras,
# so it imports Keras and the backend (4-9 s on a 2-core machine). The
# `kzoo` console script and `python -m kzoo` import this package too (their
# code is `kzoo.cli`), but `kzoo --help` or `kzoo train face --help` must not
# pay for Keras. So when, and only when, this process was started as the kzoo
# command line (`_launch.started_as_cli`), the subpackages are bound lazily
# (PEP 562 `__getattr__`), and `kzoo.cli` calls `_import_all()` right before
# it runs a command: a command then sees exactly what `import kzoo` gives a
# library user. Every other process imports everything eagerly, as before.
# (Alternatives rejected: a lazy package for everyone breaks loading `.keras`
# files after a plain `import kzoo`; a CLI module outside the `kzoo` package
# adds a top-level package to the distribution.)

import importlib

from kzoo import _launch
from kzoo.api_export import deprecated_alias
from kzoo.api_export import deprecated_getattr
from kzoo.version import __version__

_SUBPACKAGES = (
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
    "persistent_homology",
    "training",
)

__all__ = ["__version__", "applications", *_SUBPACKAGES]


def _import_all():
    """Imports (and so registers with Keras) every subpackage."""
    for name in _SUBPACKAGES:
        importlib.import_module(f"{__name__}.{name}")


def _lazy_subpackage(name):
    # The applications, and in command-line mode every subpackage, are
    # imported on first access.
    if name == "applications" or name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


deprecated_alias("kzoo.topology", "kzoo.persistent_homology")
__getattr__ = deprecated_getattr(__name__, fallback=_lazy_subpackage)


if not _launch.started_as_cli():
    _import_all()
