"""The one registration decorator for kzoo's public symbols, and the one
mechanism for deprecated aliases.

Keras is imported inside the functions, not at the top: `kzoo/__init__.py`
uses the aliases while the `kzoo` command line is answering `--help`,
which must not import Keras.
"""

import importlib
import inspect

# Public dotted path -> exported object. Read by `tools/api_check.py`.
EXPORTED = {}


def kzoo_export(path):
    """Export a public symbol under `path` and register it as `kzoo>Name`.

    Classes with a `get_config` (losses, layers, metrics, distances, miners) and
    functions are registered with Keras' serialization framework, so that a
    `.keras` file compiled with them reloads after a plain `import kzoo`,
    without `custom_objects`. Other classes (exceptions, plain helpers) are
    only recorded.

    Args:
        path: the public dotted name (for example `"kzoo.losses.ZLoss"`), or a
            list of names when one object is exported under several.
    """
    paths = (path,) if isinstance(path, str) else tuple(path)

    def decorator(symbol):
        for p in paths:
            if p.rsplit(".", 1)[-1] != symbol.__name__:
                raise ValueError(
                    f"The public name must end with the symbol's own name. "
                    f"Received: path={p!r} for {symbol.__name__!r}"
                )
        serializable = inspect.isfunction(symbol) or (
            inspect.isclass(symbol) and hasattr(symbol, "get_config")
        )
        if serializable:
            import keras

            keras.saving.register_keras_serializable(package="kzoo")(symbol)
        for p in paths:
            EXPORTED[p] = symbol
        return symbol

    return decorator


# Deprecated public path -> (new public path, object). Read by the packages'
# module `__getattr__` (see `deprecated_getattr`) and by tools/api_check.py.
DEPRECATED = {}


def deprecated_alias(old_path, new_path, obj=None):
    """Keep `old_path` working for one release after a public rename.

    `old_path` (for example `"kzoo.losses.ProtoNCE"`) resolves to `obj`
    with a `DeprecationWarning` naming `new_path`, through the package's
    `__getattr__ = deprecated_getattr(__name__)`; and `.keras` files saved
    under the old registered name (`kzoo>ProtoNCE`) still load, while new
    files are written under the new name.

    Without `obj`, the alias is lazy: `new_path` (an attribute path such as
    `"kzoo.applications.face.make_face_identities"`, or a module) is
    imported when the old name is first used, so that an alias to something
    `import kzoo` must not import (an application) costs nothing. A lazy
    alias keeps the name, so there is no old registered name to keep.
    """
    DEPRECATED[old_path] = (new_path, obj)
    old_name = old_path.rsplit(".", 1)[-1]
    if obj is not None and old_name != obj.__name__:
        import keras

        keras.saving.get_custom_objects().setdefault(f"kzoo>{old_name}", obj)
    return obj


def _resolve(path):
    """The object at a dotted attribute path, or the module of that name."""
    module_name, _, attribute = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        module = None
    if module is not None and hasattr(module, attribute):
        return getattr(module, attribute)
    return importlib.import_module(path)


def deprecated_getattr(module_name, fallback=None):
    """A module `__getattr__` serving the module's deprecated aliases.

    Args:
        module_name: the `__name__` of the module.
        fallback: a `__getattr__` to try first (a package's lazy
            attributes). Defaults to `None`.
    """

    def __getattr__(name):
        if fallback is not None:
            try:
                return fallback(name)
            except AttributeError:
                pass
        entry = DEPRECATED.get(f"{module_name}.{name}")
        if entry is None:
            raise AttributeError(
                f"module {module_name!r} has no attribute {name!r}"
            )
        import warnings

        new_path, obj = entry
        warnings.warn(
            f"`{module_name}.{name}` is deprecated and will be removed in "
            f"the next release; use `{new_path}`.",
            DeprecationWarning,
            stacklevel=2,
        )
        return _resolve(new_path) if obj is None else obj

    return __getattr__


def renamed_argument(kwargs, old, new, value, default):
    """Accept the old keyword of a renamed constructor argument for one
    release.

    Pops `old` from `kwargs` (the constructor's `**kwargs`) and returns its
    value with a `DeprecationWarning` naming `new`; otherwise returns
    `value` (the new argument's). Configs saved under the old name load
    through the same path. Giving both raises a `ValueError`.

    ```python
    def __init__(self, temperature_init=0.1, **kwargs):
        temperature_init = renamed_argument(
            kwargs, "tau_init", "temperature_init", temperature_init, 0.1
        )
    ```
    """
    if old not in kwargs:
        return value
    old_value = kwargs.pop(old)
    if value != default:
        raise ValueError(
            f"`{old}` is the deprecated name of `{new}`: give only `{new}`. "
            f"Received: {old}={old_value!r}, {new}={value!r}"
        )
    import warnings

    warnings.warn(
        f"The argument `{old}` is deprecated and will be removed in the next "
        f"release; use `{new}`.",
        DeprecationWarning,
        stacklevel=3,
    )
    return old_value
