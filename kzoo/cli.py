"""The `kzoo` command line: `kzoo COMMAND ...` or `python -m kzoo COMMAND ...`.

Subcommands live in their own modules, listed in `COMMANDS`. A command is a
module (or a `module:object`) that defines:

- `add_arguments(parser)`: adds the command's arguments to its
  `argparse.ArgumentParser`;
- `run(args) -> int`: runs the command and returns the exit code.

The command line answers `--help` without importing Keras or a backend:
started as the `kzoo` console script or as `python -m kzoo`, the `kzoo`
package binds its subpackages lazily (see `kzoo/__init__.py`), only the
module of the selected command is loaded to build its arguments (without
its package's `__init__`: `load_command_module`), and a command module
imports only the standard library at its top. Right before a
command runs, `main` imports the whole package (so a command sees what
`import kzoo` gives a library user, every object registered with Keras).

`run` raises `ValueError` or `FileNotFoundError` for user errors; `main`
prints them as one line (`kzoo COMMAND: error: ...`) and returns exit code 2.

To add a command, write `kzoo/<somewhere>/_cli.py` with these two functions
and add one line to `COMMANDS`. Application commands (`train`, `evaluate`,
`predict`) are registered in `applications/_cli.py`.
"""

import argparse
import importlib
import importlib.util
import os
import sys

# Command name -> (module or "module:object", one-line help). Kept here, not
# in the modules, so that `kzoo --help` imports nothing heavy. The speed
# benchmark is `python tools/bench.py` (not part of the library).
COMMANDS = {
    "export": (
        "kzoo.export._cli",
        "Export a .keras model to TFLite or a TF SavedModel and check it.",
    ),
    "bench-tflite": (
        "kzoo.export._bench_cli",
        "Median single-image latency of a .tflite model (1 and 2 threads).",
    ),
    "train": (
        "kzoo.applications._cli:train",
        "Train an application model (kzoo train face ...).",
    ),
    "evaluate": (
        "kzoo.applications._cli:evaluate",
        "Evaluate an application model (kzoo evaluate face ...).",
    ),
    "predict": (
        "kzoo.applications._cli:predict",
        "Run an application model on inputs (kzoo predict face ...).",
    ),
    "presets": (
        "kzoo.hub._cli",
        "List the pretrained presets that kzoo.hub can download.",
    ),
}

USER_ERRORS = (ValueError, FileNotFoundError)


def _version():
    from kzoo.version import __version__

    return __version__


def _selected_command(argv):
    for token in argv:
        if not token.startswith("-"):
            return token if token in COMMANDS else None
    return None


def build_parser(command=None):
    """The argument parser; `command` gets its full set of arguments."""
    parser = argparse.ArgumentParser(
        prog="kzoo",
        description="kzoo command-line tools.",
    )
    parser.add_argument(
        "--version", action="version", version=f"kzoo {_version()}"
    )
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True
    )
    for name, (target, help_text) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        if name == command:
            handler = _load(target)
            handler.add_arguments(sub)
            sub.set_defaults(_run=handler.run)
    return parser


def load_command_module(module_name):
    """Imports a command module without running its package's `__init__`.

    A command module (`kzoo.export._cli`, `kzoo.applications.face._cli`)
    imports only the standard library at its top, but its package's
    `__init__` imports Keras. When that package has not been imported yet,
    the module's file is executed on its own, under its real name (so later
    imports share it), and `--help` stays fast. Otherwise it is a plain
    import.
    """
    if module_name in sys.modules:
        return sys.modules[module_name]
    package, _, leaf = module_name.rpartition(".")
    if package in sys.modules:
        return importlib.import_module(module_name)
    spec = importlib.util.find_spec(package)  # locates; runs nothing
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"No package {package!r} for {module_name!r}.")
    path = os.path.join(spec.submodule_search_locations[0], leaf + ".py")
    module_spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module
    try:
        module_spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def _load(target):
    module_name, _, attribute = target.partition(":")
    module = load_command_module(module_name)
    return getattr(module, attribute) if attribute else module


def _import_kzoo():
    """Imports the whole package before a command runs (see the module
    docstring); TensorFlow's C++ info and warning lines stay quiet unless
    `TF_CPP_MIN_LOG_LEVEL` says otherwise."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import kzoo

    kzoo._import_all()


def main(argv=None):
    """Runs the command line and returns the exit code.

    Args:
        argv: the arguments, without the program name. `None` reads
            `sys.argv[1:]`. Defaults to `None`.

    Returns:
        The exit code: 0 on success, 2 for a usage or user error.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    command = _selected_command(argv)
    parser = build_parser(command)
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version, or a usage error
        return e.code if isinstance(e.code, int) else 2
    _import_kzoo()
    try:
        return args._run(args)
    except USER_ERRORS as e:
        message = str(e).strip() or type(e).__name__
        print(f"kzoo {args.command}: error: {message}", file=sys.stderr)
        return 2
