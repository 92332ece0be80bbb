"""The `kzoo` command line's machinery: how the package knows it runs as
the CLI, and the application command table (tests/test_architecture.py runs
`--help` in subprocesses)."""

import sys
import types

import pytest

from kzoo import _launch
from kzoo.applications import _cli as app_cli
from kzoo.cli import main


def _main_module(path):
    module = types.ModuleType("__main__")
    if path is not None:
        module.__file__ = path
    return {"__main__": module}


@pytest.mark.parametrize(
    "main_file, argv, orig_argv, expected",
    [
        ("/venv/bin/kzoo", ["/venv/bin/kzoo"], ["py", "/venv/bin/kzoo"], True),
        ("C:/venv/Scripts/kzoo.exe", ["kzoo"], ["kzoo.exe"], True),
        ("/venv/bin/kzoo-script.py", ["kzoo"], ["py"], True),
        (None, ["-m"], ["python", "-m", "kzoo", "--help"], True),
        (None, ["-m"], ["python", "-X", "importtime", "-m", "kzoo"], True),
        (None, ["-m"], ["python", "-mkzoo"], True),
        (None, ["-m"], ["python", "-m", "pytest"], False),
        (None, ["-m"], ["python", "-m", "kzoo.export._worker", "r"], False),
        (None, ["-c"], ["python", "-c", "import kzoo"], False),
        ("/home/u/train.py", ["train.py"], ["python", "train.py"], False),
        (
            "/x/pytest/__main__.py",
            ["/x/pytest"],
            ["python", "-m", "pytest"],
            False,
        ),
    ],
)
def test_started_as_cli(main_file, argv, orig_argv, expected):
    modules = _main_module(main_file)
    assert (
        _launch.started_as_cli(modules=modules, argv=argv, orig_argv=orig_argv)
        is expected
    )


def test_cli_module_loads_without_its_application(monkeypatch):
    # Pretend neither the application nor its _cli was imported yet.
    for name in ("kzoo.applications.face._cli", "kzoo.applications.face"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    module = app_cli.load_cli_module("kzoo.applications.face._cli")
    assert "kzoo.applications.face" not in sys.modules
    assert module.HELP["train"]
    assert sys.modules["kzoo.applications.face._cli"] is module
    assert app_cli.load_cli_module("kzoo.applications.face._cli") is module


def test_applications_opt_in_per_command(monkeypatch):
    trainer = types.ModuleType("kzoo_test_trainer_cli")
    trainer.HELP = {"train": "Train only."}
    trainer.add_train_arguments = lambda parser: parser.add_argument("--n")
    trainer.train = lambda args: int(args.n)
    monkeypatch.setitem(sys.modules, trainer.__name__, trainer)
    table = {"trainer": trainer.__name__}
    monkeypatch.setattr(app_cli, "APPLICATIONS", table)
    assert list(app_cli.supporting("train")) == ["trainer"]
    assert app_cli.supporting("predict") == {}
    assert main(["train", "trainer", "--n", "7"]) == 7
    assert main(["predict", "trainer"]) == 2  # not a choice


def test_version_and_usage(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("kzoo ")
    assert main(["train"]) == 2
    assert "APP" in capsys.readouterr().err
