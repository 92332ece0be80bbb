"""The export worker: conversion in a TensorFlow process, for JAX and torch.

`export_model` converts in its own process on the TensorFlow backend. On
JAX or torch it writes a request and runs

    KERAS_BACKEND=tensorflow python -m kzoo.export._worker REQUEST.json

which exports and writes a result file. Both are JSON objects.

Request (every path absolute):

    {
      "protocol": 1,
      "model": ".keras file or preset folder",
      "output": ".tflite file or SavedModel directory to write",
      "format": "tflite" | "tf_saved_model",
      "quantize": null | "dynamic" | "int8",
      "representative_data": null | ".npy file",
      "sample_input": null | ".npy file",
      "check": true | false,
      "check_data": null | ".npz file to write",
      "result": "the result file to write"
    }

With `check_data`, the worker also writes the check batch (`x`) and the
exported model's outputs (`y_0`, `y_1`, ...) there, so that the requesting
process compares them with its own backend's model.

Result:

    {"protocol": 1, "report": {ExportReport fields}}
    {"protocol": 1, "error": {"type": "ValueError" | "FileNotFoundError" |
        "RuntimeError" | ..., "message": "...", "file": "the file concerned",
        "traceback": "... (unexpected errors only)"}}

The worker exits with 0 after writing a report, 2 after a user error
(`ValueError`, `FileNotFoundError`) and 1 after any other error. The
requesting side (`request_export`) raises user errors again as their own
type, and every other failure, including a worker that wrote no result, as
a `RuntimeError` naming the model file and showing the end of the worker's
output.

TensorFlow's C++ info and warning lines are silenced in the worker
(`TF_CPP_MIN_LOG_LEVEL=2`; errors still show).
"""

import json
import os
import subprocess
import sys
import traceback

PROTOCOL = 1
USER_ERRORS = {"ValueError": ValueError, "FileNotFoundError": FileNotFoundError}
_REQUEST_KEYS = (
    "model",
    "output",
    "format",
    "quantize",
    "representative_data",
    "sample_input",
    "check",
    "check_data",
    "result",
)


def _write_json(path, payload):
    partial = path + ".part"
    with open(partial, "w") as f:
        json.dump(payload, f, indent=2)
        f.write("\n")
    os.replace(partial, path)


def request_export(request, workdir):
    """Runs one export in a TensorFlow worker and returns its report dict.

    Args:
        request: the request fields (see the module docstring) but
            `protocol` and `result`.
        workdir: a folder for the request and result files.

    Returns:
        The `ExportReport` fields.

    Raises:
        ValueError, FileNotFoundError: user errors, as the worker raised
            them.
        RuntimeError: any other failure; the message names the model file.
    """
    request_path = os.path.join(workdir, "request.json")
    result_path = os.path.join(workdir, "result.json")
    _write_json(
        request_path, {"protocol": PROTOCOL, **request, "result": result_path}
    )
    cmd = [sys.executable, "-m", "kzoo.export._worker", request_path]
    # TF_CPP_MIN_LOG_LEVEL=2 keeps TF's C++ errors (shown on failure) and
    # drops its info and warning lines. Importing TF sets it to "1" in the
    # parent's environment, so it is forced, not defaulted.
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    result = None
    if os.path.isfile(result_path):
        with open(result_path) as f:
            result = json.load(f)
    if result is not None and "error" in result:
        error = result["error"]
        cls = USER_ERRORS.get(error["type"])
        if cls is not None:
            raise cls(error["message"])
        detail = error.get("traceback") or ""
        raise RuntimeError(
            f"Exporting {error.get('file', request['model'])!r} failed in "
            f"the TensorFlow worker: {error['type']}: {error['message']}\n"
            f"{detail}".rstrip()
        )
    if proc.returncode != 0 or result is None or "report" not in result:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
        raise RuntimeError(
            f"Exporting {request['model']!r} failed: the TensorFlow worker "
            f"exited with code {proc.returncode} without a result. Command: "
            f"{' '.join(cmd)}\n{tail}"
        )
    return result["report"]


def _error(e, request):
    model = request.get("model")
    message = str(e).strip() or type(e).__name__
    error = {"type": type(e).__name__, "message": message}
    error["file"] = getattr(e, "filename", None) or model
    if type(e).__name__ not in USER_ERRORS:
        error["traceback"] = "".join(
            traceback.format_exception(type(e), e, e.__traceback__)[-8:]
        )
    return error


def serve(request_path):
    """Handles one request file (the worker side); returns the exit code."""
    with open(request_path) as f:
        request = json.load(f)
    result_path = request["result"]
    try:
        if request.get("protocol") != PROTOCOL:
            raise ValueError(
                f"The export request {request_path!r} uses protocol "
                f"{request.get('protocol')!r}; this kzoo speaks {PROTOCOL}."
            )
        missing = [k for k in _REQUEST_KEYS if k not in request]
        if missing:
            raise ValueError(
                f"The export request {request_path!r} lacks {missing}."
            )
        # Imports kzoo (registering its objects); the model's application
        # modules are imported when it is loaded (kzoo.hub.load_model).
        from kzoo.export import _convert
        from kzoo.export.exporter import load_array

        report = _convert.export(
            request["model"],
            request["output"],
            request["format"],
            quantize=request["quantize"],
            representative_data=load_array(
                "representative_data", request["representative_data"]
            ),
            sample_input=load_array("sample_input", request["sample_input"]),
            check=request["check"],
            check_data=request["check_data"],
        )
    except Exception as e:
        _write_json(
            result_path, {"protocol": PROTOCOL, "error": _error(e, request)}
        )
        return 2 if type(e).__name__ in USER_ERRORS else 1
    _write_json(result_path, {"protocol": PROTOCOL, "report": report.to_dict()})
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print(
            "usage: python -m kzoo.export._worker REQUEST.json",
            file=sys.stderr,
        )
        return 2
    return serve(argv[0])


if __name__ == "__main__":
    sys.exit(main())
