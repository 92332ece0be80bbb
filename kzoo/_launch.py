"""How this Python process was started (standard library only).

`kzoo/__init__.py` asks `started_as_cli()` before importing anything heavy:
the `kzoo` command line defers Keras and the backend until a command runs,
so that `kzoo --help` answers at once (see `kzoo/__init__.py`).
"""

import os
import re
import sys

# Options of the interpreter that take a separate value (`-X importtime`).
_OPTIONS_WITH_VALUE = ("-X", "-W", "-Q")


def _module_run_with_dash_m(argv):
    """The module of `python [options] -m MODULE ...`, else None."""
    i = 1
    while i < len(argv):
        token = argv[i]
        if token == "-m":
            return argv[i + 1] if i + 1 < len(argv) else None
        if token.startswith("-m"):
            return token[2:]
        if token == "-c" or not token.startswith("-"):
            return None  # `-c CODE` or a script: not -m
        i += 2 if token in _OPTIONS_WITH_VALUE else 1
    return None


def started_as_cli(modules=None, argv=None, orig_argv=None):
    """Whether this process is the `kzoo` command line.

    True for the console script (`kzoo ...`: `__main__` is the script that
    pip generates, named `kzoo`, `kzoo.exe` or `kzoo-script.py`) and for
    `python -m kzoo ...` (the package is imported while `runpy` looks for
    `kzoo.__main__`: `sys.argv[0]` is then `"-m"` and the original command
    line names `-m kzoo`). False for every other program that imports kzoo.

    Args:
        modules, argv, orig_argv: `sys.modules`, `sys.argv` and
            `sys.orig_argv`, for tests. Default to the live values.
    """
    modules = sys.modules if modules is None else modules
    argv = sys.argv if argv is None else argv
    orig_argv = (
        getattr(sys, "orig_argv", []) if orig_argv is None else orig_argv
    )
    main_file = getattr(modules.get("__main__"), "__file__", None)
    if main_file:
        name = os.path.basename(main_file)
        return re.sub(r"(-script\.pyw?|\.exe)$", "", name) == "kzoo"
    return argv[:1] == ["-m"] and _module_run_with_dash_m(orig_argv) == "kzoo"
