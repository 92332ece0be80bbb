"""The layout rules of kzoo, checked on the source (AST) and in subprocesses.

1. Private modules and names stay in their package: a module may import
   `kzoo.<pkg>._private` (any dotted component, or any imported name, with a
   single leading underscore) only from inside `kzoo.<pkg>`, the package
   that contains it. `kzoo._validation` belongs to `kzoo` itself, so every
   kzoo module (applications included) may use it; `kzoo.metrics._pairs`
   only `kzoo.metrics.*`; `kzoo.ops.hyperbolic._artanh` only `kzoo.ops.*`.
2. kzoo never imports the applications: no module of `kzoo/` imports
   `kzoo.applications`, or names it in a string, except the command line
   (`kzoo/cli.py`), the presets discovery (`kzoo/hub/discovery.py`) and the
   deprecated aliases of `kzoo.data`.
3. Backend-specific code lives in `kzoo/backend/`: only it calls
   `keras.backend.backend()` (`keras.config.backend()`) or imports JAX or
   torch (`kzoo/testing` keeps its gradient dispatch for tests);
   TensorFlow is imported only by `kzoo/backend`, `kzoo/testing`,
   `kzoo/export` (the converter) and `kzoo/data` (`tf.data`).
4. kzoo does not import its own deprecated modules.
5. A command module (an application's `_cli.py`, `kzoo/export/_cli.py`,
   ...: every `*_cli.py`) imports only the standard library (and
   `kzoo.cli`) at its top level, so that `kzoo train APP --help` needs no
   NumPy or Keras.
6. A module that defines a public (`kzoo_export`ed) class holds one, and is
   named after it (`ArcFaceHead` in `arc_face_head.py`); exception classes
   are exempt (kzoo/losses, kzoo/testing and the applications' `model.py`
   layout are outside this rule).
7. No package has a public attribute and a submodule of the same name (after
   `import kzoo`, `kzoo.<pkg>.<name>` must be the submodule).
8. `import kzoo` imports no application, and `kzoo --help`, `kzoo train
   --help`, `kzoo train face --help` import no Keras, TensorFlow, JAX, torch
   or NumPy and print no log line.
9. Nothing imports upward in the layering of CONTRIBUTING.md (`LAYERS`):
   backend → ops → distances/miners → losses/layers/metrics → models,
   training, export, hub → applications and the command line (with the
   command modules, `*_cli.py`). Imports within a level are allowed.

`KNOWN_EXCEPTIONS` lists accepted breaks of these rules (none today); an
entry must name the import or branch it excuses.
"""

import ast
import importlib
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

# (rule, file, detail) the loss package still breaks. Empty this list.
KNOWN_EXCEPTIONS = set()

# Modules kept for one release as deprecated aliases (see the CHANGELOG of
# the architecture change); kzoo itself must not import them.
DEPRECATED_MODULES = (
    "kzoo.topology",
    "kzoo.training.base",
    "kzoo.metrics.topology",
)

# CONTRIBUTING.md's picture: a package may import its own level and below.
LAYERS = {
    "kzoo.version": 0,
    "kzoo.api_export": 0,
    "kzoo._validation": 0,
    "kzoo._docstrings": 0,
    "kzoo._launch": 0,
    "kzoo.backend": 0,
    "kzoo.ops": 1,
    "kzoo.persistent_homology": 1,  # host-side NumPy building blocks
    "kzoo.topology": 1,  # deprecated alias of the above
    "kzoo.distances": 2,
    "kzoo.miners": 2,
    "kzoo.losses": 3,
    "kzoo.layers": 3,
    "kzoo.metrics": 3,
    "kzoo.evaluation": 3,
    "kzoo.data": 3,
    "kzoo.models": 4,
    "kzoo.training": 4,
    "kzoo.callbacks": 4,
    "kzoo.export": 4,
    "kzoo.hub": 4,
    "kzoo.testing": 4,
    "kzoo.applications": 5,
    "kzoo.cli": 5,
    "kzoo.__main__": 5,
}

ROOT_LAYER = 5  # `import kzoo` imports every subpackage

APPLICATION_NAMERS = (
    "kzoo/cli.py",
    "kzoo/hub/discovery.py",
    "kzoo/data/__init__.py",
)
BACKEND_FREE_EXEMPT = ("kzoo/backend/", "kzoo/testing/")
TENSORFLOW_ALLOWED = BACKEND_FREE_EXEMPT + ("kzoo/export/", "kzoo/data/")
NAMING_EXEMPT = ("kzoo/losses/", "kzoo/testing/")


def _python_files():
    files = sorted((ROOT / "kzoo").rglob("*.py"))
    files += sorted((ROOT / "applications").rglob("*.py"))
    return [f for f in files if "__pycache__" not in f.parts]


def _module_name(path):
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[0] == "applications":
        parts = ["kzoo", "applications"] + parts[1:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_package(module):
    parts = module.split(".")
    if parts[:2] == ["kzoo", "applications"]:
        folder = ROOT.joinpath("applications", *parts[2:])
    else:
        folder = ROOT.joinpath(*parts)
    return (folder / "__init__.py").is_file()


def _private(name):
    return name.startswith("_") and not name.startswith("__")


def _inside(module, package):
    return module == package or module.startswith(package + ".")


SOURCES = {
    str(path.relative_to(ROOT)): (
        _module_name(path),
        ast.parse(path.read_text(), filename=str(path)),
    )
    for path in _python_files()
}


def _imports(tree, importer):
    """`(imported module, imported name or None, node)` for every absolute
    import of a kzoo module, relative imports resolved."""
    package = importer if _is_package(importer) else importer.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([module] if module else []))
            for alias in node.names:
                yield module, alias.name, node


def _violations(rule, found):
    return sorted(v for v in found if v not in KNOWN_EXCEPTIONS)


def _stale(rule, found):
    return sorted(
        e for e in KNOWN_EXCEPTIONS if e[0] == rule and e not in found
    )


def test_private_modules_and_names_stay_in_their_package():
    found = set()
    for file, (importer, tree) in SOURCES.items():
        for module, name, _ in _imports(tree, importer):
            if not module.startswith("kzoo"):
                continue
            parts = module.split(".")
            for i, part in enumerate(parts):
                if _private(part):
                    owner = ".".join(parts[:i])
                    if not _inside(importer, owner):
                        found.add(("private", file, ".".join(parts[: i + 1])))
                    break
            else:
                if name is not None and _private(name):
                    if _is_package(module):
                        owner = module
                    else:
                        owner = module.rpartition(".")[0]
                    if not _inside(importer, owner):
                        found.add(("private", file, f"{module}.{name}"))
    assert _violations("private", found) == []
    assert _stale("private", found) == []


def _layer(module):
    parts = module.split(".")
    if parts[-1].endswith("_cli"):
        return LAYERS["kzoo.cli"]  # command modules belong to the CLI
    for n in range(len(parts), 0, -1):
        level = LAYERS.get(".".join(parts[:n]))
        if level is not None:
            return level
    return None


def test_nothing_imports_upward():
    found = set()
    unknown = set()
    for file, (importer, tree) in SOURCES.items():
        if importer == "kzoo":
            continue  # the package root imports every subpackage
        mine = _layer(importer)
        if mine is None:
            unknown.add(importer)
            continue
        for module, name, _ in _imports(tree, importer):
            if not _inside(module, "kzoo"):
                continue
            full = module if name is None else f"{module}.{name}"
            theirs = _layer(full)
            if full == "kzoo":
                theirs = ROOT_LAYER  # `import kzoo`: the whole package
            elif theirs is None:
                theirs = _layer(module)
            if theirs is None:
                unknown.add(full)
            elif theirs > mine:
                found.add(("upward", file, full))
    assert sorted(unknown) == []
    assert _violations("upward", found) == []
    assert _stale("upward", found) == []


def test_kzoo_does_not_import_the_applications():
    found = set()
    for file, (importer, tree) in SOURCES.items():
        if not file.startswith("kzoo/"):
            continue
        for module, name, node in _imports(tree, importer):
            full = module if name is None else f"{module}.{name}"
            if _inside(full, "kzoo.applications") or _inside(
                module, "kzoo.applications"
            ):
                found.add((file, node.lineno, full))
        if file in APPLICATION_NAMERS:
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.fullmatch(r"kzoo\.applications(\.[\w.:]+)?", node.value)
            ):
                found.add((file, node.lineno, node.value))
    assert sorted(found) == []


def _is_backend_call(node):
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    names = []
    while isinstance(func, ast.Attribute):
        names.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        names.append(func.id)
    dotted = ".".join(reversed(names))
    return dotted in (
        "keras.backend.backend",
        "keras.config.backend",
        "backend.backend",
        "config.backend",
    )


def test_only_kzoo_backend_branches_on_the_backend():
    found = set()
    for file, (importer, tree) in SOURCES.items():
        if not file.startswith("kzoo/") or file.startswith(BACKEND_FREE_EXEMPT):
            continue
        for node in ast.walk(tree):
            if _is_backend_call(node):
                found.add(("backend", file, "keras.backend.backend"))
        for module, _, _ in _imports(tree, importer):
            top = module.split(".")[0]
            if top in ("jax", "jaxlib", "torch"):
                found.add(("backend", file, top))
            if top == "tensorflow" and not file.startswith(TENSORFLOW_ALLOWED):
                found.add(("backend", file, top))
    assert _violations("backend", found) == []
    assert _stale("backend", found) == []


def test_kzoo_does_not_import_its_deprecated_modules():
    found = set()
    for file, (importer, tree) in SOURCES.items():
        for module, name, _ in _imports(tree, importer):
            for old in DEPRECATED_MODULES:
                if _inside(importer, old):
                    continue
                full = module if name is None else f"{module}.{name}"
                if _inside(module, old) or _inside(full, old):
                    found.add(("deprecated", file, old))
    assert _violations("deprecated", found) == []
    assert _stale("deprecated", found) == []


def _import_time_imports(node):
    """The import statements run when a module is imported (not those inside
    functions)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child
        elif not isinstance(
            child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
        ):
            yield from _import_time_imports(child)


def _light(module, stdlib):
    """The standard library, or the command line itself (`kzoo.cli`, whose
    top level is standard-library only too)."""
    return module.split(".")[0] in stdlib or module == "kzoo.cli"


def test_command_modules_import_only_the_standard_library():
    stdlib = sys.stdlib_module_names
    found = []
    for file, (_, tree) in SOURCES.items():
        if not re.fullmatch(r"(kzoo|applications)/(\w+/)*_?\w*_cli\.py", file):
            continue
        for sub in _import_time_imports(tree):
            if isinstance(sub, ast.Import):
                names = [a.name for a in sub.names]
            else:
                names = ["<relative>" if sub.level else sub.module or ""]
            found += [(file, n) for n in names if not _light(n, stdlib)]
    assert found == []
    from kzoo.applications._cli import APPLICATIONS

    # Every registered application has such a module.
    for module_name in APPLICATIONS.values():
        app = module_name.split(".")[2]
        assert f"applications/{app}/_cli.py" in SOURCES, module_name


def _normalized(name):
    return name.replace("_", "").lower()


def test_files_are_named_after_the_class_they_hold():
    found = []
    for file, (_, tree) in SOURCES.items():
        if not file.startswith("kzoo/") or file.startswith(NAMING_EXEMPT):
            continue
        public = []
        for node in tree.body:
            if not isinstance(node, ast.ClassDef):
                continue
            exported = any(
                isinstance(d, ast.Call)
                and getattr(d.func, "id", None) == "kzoo_export"
                for d in node.decorator_list
            )
            is_error = any(
                getattr(b, "id", "").endswith(("Error", "Exception"))
                for b in node.bases
            )
            if exported and not is_error:
                public.append(node.name)
        if not public:
            continue
        stem = pathlib.Path(file).stem
        if len(public) > 1 or _normalized(stem) != _normalized(public[0]):
            found.append((file, public))
    # The preset registry's record type lives with the registry functions.
    assert found == [("kzoo/hub/presets.py", ["Preset"])]


def test_no_attribute_shadows_a_submodule():
    import kzoo

    kzoo._import_all()
    found = set()
    for file, (module_name, _) in SOURCES.items():
        if not file.endswith("__init__.py"):
            continue
        package = importlib.import_module(module_name)
        folder = ROOT / pathlib.Path(file).parent
        for child in folder.iterdir():
            name = child.stem if child.suffix == ".py" else child.name
            if _private(name) or name == "__init__" or name == "__pycache__":
                continue
            if not (child.suffix == ".py" or (child / "__init__.py").is_file()):
                continue
            if name not in vars(package):
                continue
            value = vars(package)[name]
            if getattr(value, "__name__", None) != f"{module_name}.{name}":
                found.add(("shadow", file, f"{module_name}.{name}"))
    assert _violations("shadow", found) == []
    assert _stale("shadow", found) == []


def _run(args, **kwargs):
    env = dict(os.environ)
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # the CLI must be quiet by itself
    return subprocess.run(
        args, capture_output=True, text=True, env=env, timeout=300, **kwargs
    )


HEAVY = ("keras", "tensorflow", "jax", "torch", "numpy")


def _imported_modules(stderr):
    """Module names from `python -X importtime` output, and the rest."""
    modules, rest = set(), []
    for line in stderr.splitlines():
        if line.startswith("import time:"):
            modules.add(line.rsplit("|", 1)[-1].strip())
        else:
            rest.append(line)
    return modules, rest


HELP_COMMANDS = [
    ["--help"],
    ["train", "--help"],
    ["train", "face", "--help"],
    ["evaluate", "face", "--help"],
    ["predict", "face", "--help"],
    ["export", "--help"],
    ["bench-tflite", "--help"],
    ["presets", "--help"],
]


@pytest.mark.parametrize(
    "launcher, args",
    [("console-script", args) for args in HELP_COMMANDS]
    + [("python-m", args) for args in HELP_COMMANDS[:3]],
    ids=lambda v: v if isinstance(v, str) else "-".join(v[:-1]) or "kzoo",
)
def test_help_imports_no_backend_and_prints_no_log(launcher, args):
    if launcher == "console-script":
        script = os.path.join(os.path.dirname(sys.executable), "kzoo")
        if not os.path.isfile(script):
            pytest.skip("the kzoo console script is not installed")
        cmd = [sys.executable, "-X", "importtime", script, *args]
    else:
        cmd = [sys.executable, "-X", "importtime", "-m", "kzoo", *args]
    proc = _run(cmd)
    assert proc.returncode == 0, proc.stderr[-2000:]
    modules, stderr = _imported_modules(proc.stderr)
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert heavy == []
    assert "kzoo.cli" in modules
    assert not any(m.startswith("kzoo.losses") for m in modules)
    assert stderr == []
    assert proc.stdout.startswith("usage: kzoo")
    if args[:2] == ["train", "face"]:
        assert "--backbone" in proc.stdout


_PROBE = """
import sys
import kzoo
apps = sorted(m for m in sys.modules if m.startswith("kzoo.applications."))
print("after import kzoo:", apps)
assert apps == [], apps
assert "keras" in sys.modules and "kzoo.losses" in sys.modules
from kzoo.applications import face
assert face.FaceEmbedder.__module__ == "kzoo.applications.face.model"
import kzoo.applications
assert kzoo.applications.face is face
print("ok")
"""


def test_import_kzoo_imports_no_application():
    proc = _run([sys.executable, "-c", _PROBE])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().endswith("ok")
