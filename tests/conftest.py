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


def pytest_report_header(config):
    return f"keras {keras.__version__}, backend: {BACKEND}"


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
