"""`kzoo train APP ...`, `kzoo evaluate APP ...` and `kzoo predict APP ...`.

An application joins the command line with one line in `APPLICATIONS`
(name -> its `_cli` module) and a module `applications/<app>/_cli.py` that
defines, for each command it supports (`"train"`, `"evaluate"`,
`"predict"`):

- `HELP[kind]`: the one-line help shown by `kzoo <kind> --help`;
- `add_<kind>_arguments(parser)`: adds the arguments to an
  `argparse.ArgumentParser`;
- `<kind>(args) -> int`: runs it and returns the exit code. User errors are
  raised as `ValueError` / `FileNotFoundError` (printed as one line, exit
  code 2); messages about files name the file.

`kzoo <kind> --help` and `kzoo <kind> APP --help` read these modules
without importing the application (whose package imports Keras), so an
application's `_cli.py` imports only the standard library at its top and
imports NumPy, Keras and the application inside its functions
(tests/test_architecture.py checks this).
"""

from kzoo.cli import load_command_module

# name -> the module of `kzoo <kind> <name>`. One line per application.
APPLICATIONS = {
    "face": "kzoo.applications.face._cli",
}

KINDS = ("train", "evaluate", "predict")


def load_cli_module(module_name):
    """The module `kzoo.applications.<app>._cli`, without running the
    application's `__init__` (see `kzoo.cli.load_command_module`)."""
    return load_command_module(module_name)


def supporting(kind, applications=None):
    """`{name: module}` of the applications that define `kind`."""
    applications = APPLICATIONS if applications is None else applications
    found = {}
    for name, module_name in applications.items():
        module = load_cli_module(module_name)
        if kind in getattr(module, "HELP", {}):
            found[name] = module
    return found


class _Command:
    """`kzoo <kind> APP ...`: a command of `kzoo.cli.COMMANDS`."""

    def __init__(self, kind):
        self.kind = kind

    def add_arguments(self, parser, applications=None):
        sub = parser.add_subparsers(
            dest="application", metavar="APP", required=True
        )
        for name, module in supporting(self.kind, applications).items():
            help_text = module.HELP[self.kind]
            app = sub.add_parser(name, help=help_text, description=help_text)
            getattr(module, f"add_{self.kind}_arguments")(app)
            app.set_defaults(_app_run=getattr(module, self.kind))

    def run(self, args):
        return args._app_run(args)


train = _Command("train")
evaluate = _Command("evaluate")
predict = _Command("predict")
