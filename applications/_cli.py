"""`kzoo train APP ...` and `kzoo evaluate APP ...` for the applications.

Each application module listed in `APPLICATIONS` defines
`add_train_arguments(parser)`, `train(args)`, `add_evaluate_arguments(parser)`
and `evaluate(args)`.
"""

import importlib

APPLICATIONS = {"face": "kzoo.applications.face._cli"}


def _add(parser, kind):
    sub = parser.add_subparsers(
        dest="application", metavar="APP", required=True
    )
    for name, module_name in APPLICATIONS.items():
        module = importlib.import_module(module_name)
        app = sub.add_parser(name, help=module.HELP[kind])
        getattr(module, f"add_{kind}_arguments")(app)
        app.set_defaults(_app_run=getattr(module, kind))


class train:  # noqa: N801 - a command module namespace for kzoo.cli
    @staticmethod
    def add_arguments(parser):
        _add(parser, "train")

    @staticmethod
    def run(args):
        return args._app_run(args)


class evaluate:  # noqa: N801
    @staticmethod
    def add_arguments(parser):
        _add(parser, "evaluate")

    @staticmethod
    def run(args):
        return args._app_run(args)
