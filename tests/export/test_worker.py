"""The export worker protocol (`python -m kzoo.export._worker REQUEST.json`).

JAX and torch runs of tests/export/test_export.py go through the worker for
every export; these tests cover its request checks and error passing.
"""

import json

import pytest

from kzoo.export import _worker


def _request(tmp_path, **overrides):
    request = {
        "protocol": _worker.PROTOCOL,
        "model": str(tmp_path / "broken.keras"),
        "output": str(tmp_path / "out" / "m.tflite"),
        "format": "tflite",
        "quantize": None,
        "representative_data": None,
        "sample_input": None,
        "check": True,
        "check_data": None,
        "result": str(tmp_path / "result.json"),
    }
    request.update(overrides)
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request))
    return path, request


def test_user_error_is_written_with_the_file_named(tmp_path):
    (tmp_path / "broken.keras").write_text("not a zip file")
    path, request = _request(tmp_path)
    assert _worker.serve(str(path)) == 2
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["protocol"] == _worker.PROTOCOL
    error = result["error"]
    assert error["type"] == "ValueError"
    assert "could not be loaded as a Keras model" in error["message"]
    assert error["file"] == request["model"]
    assert "traceback" not in error


def test_bad_requests(tmp_path):
    path, _ = _request(tmp_path, protocol=99)
    assert _worker.serve(str(path)) == 2
    error = json.loads((tmp_path / "result.json").read_text())["error"]
    assert "protocol 99" in error["message"] and str(path) in error["message"]
    path, request = _request(tmp_path)
    del request["format"]
    path.write_text(json.dumps(request))
    assert _worker.serve(str(path)) == 2
    error = json.loads((tmp_path / "result.json").read_text())["error"]
    assert "lacks ['format']" in error["message"]
    assert _worker.main([]) == 2


# One worker process (about 10 s, mostly importing TensorFlow), whatever the
# backend of this test run.
@pytest.mark.tf_only
def test_request_export_raises_the_workers_user_error(tmp_path):
    (tmp_path / "broken.keras").write_text("not a zip file")
    _, request = _request(tmp_path)
    request = {
        k: v for k, v in request.items() if k not in ("protocol", "result")
    }
    with pytest.raises(ValueError, match="broken.keras"):
        _worker.request_export(request, str(tmp_path))
