"""Deprecated aliases for moved or renamed public names (one release).

A package keeps an old name importable by binding a module-level
`__getattr__` (PEP 562) made here. The target is imported only when the old
name is first used, so an alias costs nothing at import time, and each use
warns with a `DeprecationWarning` naming the replacement.

    __getattr__ = moved_names(
        __name__, {"old_name": "kzoo.new.module:new_name"}
    )
"""

import importlib
import warnings


def moved_names(module_name, moved):
    """A module `__getattr__` serving deprecated aliases.

    Args:
        module_name: the `__name__` of the module holding the old names.
        moved: `{old_name: "new.module:new_name"}`; `":new_name"` may be
            omitted when the name is unchanged, and a target without `:`
            is a module (the old name was a submodule).

    Returns:
        The `__getattr__(name)` function for that module.
    """

    def __getattr__(name):
        if name not in moved:
            raise AttributeError(
                f"module {module_name!r} has no attribute {name!r}"
            )
        target = moved[name]
        module_path, _, attr = target.partition(":")
        new_name = f"{module_path}.{attr}" if attr else module_path
        warnings.warn(
            f"`{module_name}.{name}` is deprecated and will be removed in "
            f"the next release. Use `{new_name}` instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        module = importlib.import_module(module_path)
        return getattr(module, attr) if attr else module

    return __getattr__
