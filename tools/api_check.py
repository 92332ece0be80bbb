"""Check kzoo's public API against its registrations.

- every name registered with `kzoo_export` is importable from its public
  module under that name, and is the same object;
- every name in a public module's `__all__` is registered (so it serializes as
  `kzoo>Name`), and registered names are unique;
- every public class and function has a docstring.

`import kzoo` imports no application, so the applications
(`kzoo.applications.<app>`, every package of `applications/`) are imported
explicitly here and checked like the library's public modules.

    python tools/api_check.py      # exits 1 and lists problems if any
"""

import importlib
import inspect
import sys

PUBLIC_MODULES = [
    "kzoo.callbacks",
    "kzoo.data",
    "kzoo.distances",
    "kzoo.evaluation",
    "kzoo.export",
    "kzoo.layers",
    "kzoo.losses",
    "kzoo.metrics",
    "kzoo.miners",
    "kzoo.models",
    "kzoo.ops",
    "kzoo.persistent_homology",
    "kzoo.training",
]


def application_modules():
    """`kzoo.applications.<app>` for every application (lazily imported by
    kzoo, so named here explicitly)."""
    import kzoo.applications

    return [f"kzoo.applications.{name}" for name in kzoo.applications.__all__]


def check():
    import kzoo  # noqa: F401  (imports and registers the library)
    from kzoo.api_export import EXPORTED

    public_modules = PUBLIC_MODULES + application_modules()
    for name in public_modules:
        importlib.import_module(name)
    problems = []
    by_short_name = {}
    for path, obj in sorted(EXPORTED.items()):
        module_name, attr = path.rsplit(".", 1)
        try:
            module = importlib.import_module(module_name)
        except ImportError as e:
            problems.append(f"{path}: module not importable ({e})")
            continue
        if getattr(module, attr, None) is not obj:
            problems.append(f"{path}: not reachable as {module_name}.{attr}")
        if not inspect.getdoc(obj):
            problems.append(f"{path}: no docstring")
        other = by_short_name.setdefault(obj.__name__, obj)
        if other is not obj:
            problems.append(
                f"{path}: the name kzoo>{obj.__name__} is registered twice"
            )
    exported_objects = {id(o) for o in EXPORTED.values()}
    for name in public_modules:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr, None)
            if obj is None:
                problems.append(f"{name}.{attr}: listed in __all__ but missing")
            elif (inspect.isclass(obj) or inspect.isfunction(obj)) and id(
                obj
            ) not in exported_objects:
                problems.append(
                    f"{name}.{attr}: public but not registered with kzoo_export"
                )
    return problems


def main():
    problems = check()
    for p in problems:
        print(p)
    from kzoo.api_export import EXPORTED

    print(f"{len(EXPORTED)} exported symbols, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
