"""The one registration decorator for kzoo's public symbols."""

import inspect

import keras

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
            keras.saving.register_keras_serializable(package="kzoo")(symbol)
        for p in paths:
            EXPORTED[p] = symbol
        return symbol

    return decorator
