"""The `kzoo` command line: `kzoo COMMAND ...` or `python -m kzoo COMMAND ...`.

Subcommands live in their own modules, listed in `COMMANDS`. A command module
defines:

- `add_arguments(parser)`: adds the command's arguments to its
  `argparse.ArgumentParser`;
- `run(args) -> int`: runs the command and returns the exit code.

Only the module of the command being run is imported, so a command module may
import heavy packages at its top, but `run` is the better place. `run` raises
`ValueError` or `FileNotFoundError` for user errors; `main` prints them as one
line (`kzoo COMMAND: error: ...`) and returns exit code 2.

To add a command (for example `bench`), write `kzoo/<somewhere>/_cli.py` with
these two functions and add one line to `COMMANDS`.
"""

import argparse
import importlib
import sys

# Command name -> (module, one-line help). Kept here, not in the modules, so
# that `kzoo --help` imports nothing heavy.
COMMANDS = {
    "export": (
        "kzoo.export._cli",
        "Export a .keras model to TFLite or a TF SavedModel and check it.",
    ),
    "bench": (
        "kzoo._bench._cli",
        "Time the pairwise losses against each backend's similarity floor.",
    ),
    "bench-tflite": (
        "kzoo.export._bench_cli",
        "Median single-image latency of a .tflite model (1 and 2 threads).",
    ),
    "train": (
        "kzoo.applications._train_cli",
        "Train an application model (kzoo train face ...).",
    ),
    "evaluate": (
        "kzoo.applications._evaluate_cli",
        "Evaluate an application model (kzoo evaluate face ...).",
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
    for name, (module_name, help_text) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        if name == command:
            module = importlib.import_module(module_name)
            module.add_arguments(sub)
            sub.set_defaults(_run=module.run)
    return parser


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
    try:
        return args._run(args)
    except USER_ERRORS as e:
        message = str(e).strip() or type(e).__name__
        print(f"kzoo {args.command}: error: {message}", file=sys.stderr)
        return 2
