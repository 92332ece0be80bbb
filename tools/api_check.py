"""Check kzoo's public API against its registrations.

- every name registered with `kzoo_export` is importable from its public
  module under that name, and is the same object;
- every name in a public module's `__all__` is registered (so it serializes as
  `kzoo>Name`), and registered names are unique;
- every public class and function has a docstring, with no unfilled
  `{{snippet}}` marker;
- the naming rule of CONTRIBUTING.md ("Names"): every loss class `XxxLoss`
  lives in `xxx_loss.py` and has a functional twin `xxx(y_true, y_pred,
  <the class's options, in order>)` in the same module.

`import kzoo` imports no application, so the applications
(`kzoo.applications.<app>`, every package of `applications/`) are imported
explicitly here and checked like the library's public modules.

    python tools/api_check.py      # exits 1 and lists problems if any
"""

import importlib
import inspect
import re
import sys

PUBLIC_MODULES = [
    "kzoo.callbacks",
    "kzoo.data",
    "kzoo.distances",
    "kzoo.evaluation",
    "kzoo.export",
    "kzoo.layers",
    "kzoo.losses",
    "kzoo.losses.inputs",
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
        doc = inspect.getdoc(obj)
        if not doc:
            problems.append(f"{path}: no docstring")
        elif "{{" in doc:
            problems.append(f"{path}: docstring keeps a {{{{snippet}}}} marker")
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
    problems.extend(check_loss_names(EXPORTED))
    return problems


# Twin names the mechanical rule cannot derive: acronyms that read as one
# word, and methods whose own name contains "loss".
IRREGULAR_TWINS = {
    "AnyLoss": "any_loss",
    "EnsLoss": "ens_loss",
    "GroCoLoss": "groco",
    "LDRKLLoss": "ldr_kl",
    "NTXentLoss": "ntxent",
    "PamCLoss": "pamc",
    "ZLoss": "z_loss",
}


def twin_name(class_name):
    """`MultiSimilarityLoss` -> `multi_similarity` (CONTRIBUTING.md)."""
    if class_name in IRREGULAR_TWINS:
        return IRREGULAR_TWINS[class_name]
    stem = class_name[: -len("Loss")]
    words = re.sub(
        r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", stem
    )
    return words.lower()


def check_loss_names(exported):
    """Problems with the naming rule for loss classes and their twins."""
    from kzoo.losses import Loss
    from kzoo.losses.loss import option_parameters

    bases = {"Loss", "EmbeddingLoss", "ClassificationLoss"}
    bases |= {"PairWeightingLoss", "InBatchNegativeLoss"}
    problems = []
    for path, obj in sorted(exported.items()):
        if not (
            path.startswith("kzoo.losses.")
            and inspect.isclass(obj)
            and issubclass(obj, Loss)
            and obj.__name__ not in bases
        ):
            continue
        name = obj.__name__
        if not name.endswith("Loss"):
            problems.append(f"{path}: a loss class name must end in 'Loss'")
            continue
        twin = twin_name(name)
        stem = twin if twin.endswith("_loss") else f"{twin}_loss"
        module = obj.__module__
        if module.rsplit(".", 1)[-1] != stem:
            problems.append(f"{path}: lives in {module}, expected {stem}.py")
        fn = exported.get(f"kzoo.losses.{twin}")
        if fn is None:
            problems.append(f"{path}: no functional twin kzoo.losses.{twin}")
            continue
        if fn.__module__ != module:
            problems.append(f"{path}: twin {twin} is not in {module}")
        params = list(inspect.signature(fn).parameters)
        expected = ["y_true", "y_pred"] + [
            p.name for p in option_parameters(obj)
        ]
        if params != expected:
            problems.append(
                f"{path}: twin {twin}{tuple(params)} does not take the "
                f"class's options {tuple(expected)}"
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
