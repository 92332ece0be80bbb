"""`kzoo export` on the command line (`python -m kzoo`) and through `main`."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from kzoo.cli import main
from tests.export.test_export import DYNAMIC_ATOL
from tests.export.test_export import FLOAT_ATOL
from tests.export.test_export import build_embedder


def run_kzoo(*args, backend="tensorflow"):
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run(
        [sys.executable, "-m", "kzoo", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def keras_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "embedder.keras"
    build_embedder().save(path)
    return path


# Backend-independent (the command always runs on TF), and JAX / PyTorch runs
# already go through the TensorFlow worker (`python -m kzoo.export._worker`)
# inside every `export_model` call.
@pytest.mark.tf_only
@pytest.mark.large
def test_python_m_kzoo_export(keras_file, tmp_path):
    output = tmp_path / "out" / "m.tflite"
    report_path = tmp_path / "report.json"
    proc = run_kzoo(
        "export",
        keras_file,
        "--quantize",
        "dynamic",
        "--output",
        output,
        "--json-report",
        report_path,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(report_path.read_text())
    assert report["path"] == str(output)
    assert report["quantize"] == "dynamic"
    assert report["size_bytes"] == os.path.getsize(output)
    assert report["max_abs_diff"] < DYNAMIC_ATOL
    assert f"{report['size_bytes']:,} bytes" in proc.stdout
    assert "max abs diff" in proc.stdout


def test_python_m_kzoo_user_error_is_one_line(tmp_path):
    # The check fails before anything heavy runs, so JAX (the fastest keras
    # import) is enough here.
    proc = run_kzoo(
        "export",
        tmp_path / "missing.keras",
        "-o",
        tmp_path / "m.tflite",
        backend="jax",
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("kzoo export: error: `model` must be")
    assert "missing.keras" in lines[-1]
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--quantize", "int8"], "`representative_data` is required"),
        (
            ["--format", "tf_saved_model", "--quantize", "dynamic"],
            "Received: quantize='dynamic', format='tf_saved_model'",
        ),
        (
            ["--quantize", "int8", "--representative", "missing.npy"],
            "Received: representative_data='missing.npy'",
        ),
    ],
)
def test_main_user_errors(keras_file, tmp_path, capsys, args, message):
    report_path = tmp_path / "report.json"
    code = main(
        ["export", str(keras_file), "-o", str(tmp_path / "m.tflite")]
        + args
        + ["--json-report", str(report_path)]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("kzoo export: error: ") and message in err
    assert len(err.strip().splitlines()) == 1
    assert message in json.loads(report_path.read_text())["error"]["message"]


def test_main_usage_errors(capsys):
    assert main(["export", "m.keras"]) == 2  # --output is required
    assert "--output" in capsys.readouterr().err
    assert main(["export", "m.keras", "-o", "x", "--quantize", "fp16"]) == 2
    assert "invalid choice: 'fp16'" in capsys.readouterr().err
    assert main([]) == 2
    assert main(["frobnicate"]) == 2
    assert main(["--help"]) == 0
    assert "export" in capsys.readouterr().out


@pytest.mark.tf_only
def test_main_in_process(keras_file, tmp_path, capsys):
    x = np.random.default_rng(0).standard_normal((5, 8, 8, 1))
    np.save(tmp_path / "x.npy", x.astype("float32"))
    output = tmp_path / "sm"
    code = main(
        [
            "export",
            str(keras_file),
            "--format",
            "tf_saved_model",
            "--sample-input",
            str(tmp_path / "x.npy"),
            "--output",
            str(output),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert f"Exported tf_saved_model to {output}" in out
    max_diff = float(out.split("max abs diff:")[1].split()[0])
    assert max_diff < FLOAT_ATOL

    code = main(
        ["export", str(keras_file), "-o", str(tmp_path / "m.tflite")]
        + ["--no-check", "--quiet"]
    )
    assert code == 0 and capsys.readouterr().out == ""
    assert os.path.getsize(tmp_path / "m.tflite") > 0
    assert keras.backend.backend() == "tensorflow"
