"""Application models built on kzoo (installed as `kzoo.applications`).

Nothing is imported eagerly: `import kzoo` and `import kzoo.applications`
cost nothing for the applications. An application is imported when it is
first used, either explicitly (`from kzoo.applications import face`) or as
an attribute (`kzoo.applications.face`, PEP 562). `kzoo.hub` reads every
application's `presets.json` without importing it, and imports the
application owning a preset before loading it.
"""

import importlib
import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def _names():
    return sorted(
        name
        for name in os.listdir(_HERE)
        if not name.startswith(("_", "."))
        and os.path.isfile(os.path.join(_HERE, name, "__init__.py"))
    )


__all__ = _names()


def __getattr__(name):
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
