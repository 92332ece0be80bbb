"""Shared pytest setup. The backend is fixed per process by KERAS_BACKEND."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# torch first: importing TensorFlow before torch can segfault (keras' own
# conftest does the same).
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402,F401

BACKEND = keras.backend.backend()

# torch: Keras compiles `fit(jit_compile=True)` with `torch.compile(fn)`,
# whose default backend, inductor, spends 30-200 s generating C++ per new
# graph on a 2-core CPU. The suite compiles with TorchDynamo + AOTAutograd
# (`aot_eager`) instead: the same graph capture, functionalization and
# decompositions that decide whether a kzoo loss or layer is jit-safe
# (graph breaks, data-dependent shapes, in-place ops), without C++ codegen.
# `KZOO_TORCH_COMPILE_BACKEND=inductor make test` runs the real thing, and
# tests/test_torch_inductor.py always compiles one kzoo training step with
# inductor.
TORCH_COMPILE_BACKEND = os.environ.get(
    "KZOO_TORCH_COMPILE_BACKEND", "aot_eager"
)
if BACKEND == "torch" and TORCH_COMPILE_BACKEND != "inductor":
    _torch_compile = torch.compile

    def _compile(model=None, **kwargs):
        kwargs.setdefault("backend", TORCH_COMPILE_BACKEND)
        if model is None:
            return lambda fn: _torch_compile(fn, **kwargs)
        return _torch_compile(model, **kwargs)

    _compile.inductor = _torch_compile  # the original, for the one test
    torch.compile = _compile


def pytest_report_header(config):
    extra = (
        f", torch.compile backend: {TORCH_COMPILE_BACKEND}"
        if BACKEND == "torch"
        else ""
    )
    return f"keras {keras.__version__}, backend: {BACKEND}{extra}"


def pytest_collection_modifyitems(config, items):
    skip_tf = pytest.mark.skip(
        reason=f"tf_only: needs KERAS_BACKEND=tensorflow (this run: {BACKEND})"
    )
    for item in items:
        if "tf_only" in item.keywords and BACKEND != "tensorflow":
            item.add_marker(skip_tf)


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    """Seed everything and restore the float32 policy around every test."""
    keras.utils.set_random_seed(1234)
    np.random.seed(1234)
    yield
    keras.config.set_dtype_policy("float32")
