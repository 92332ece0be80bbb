import importlib
import os
import re
import subprocess
import sys

import keras
import numpy as np
import pytest

import kzoo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_public_api_is_registered_and_documented():
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    try:
        import api_check
    finally:
        sys.path.pop(0)
    assert api_check.check() == []


def test_every_loss_serializes_under_the_kzoo_package():
    for name in kzoo.losses.__all__:
        obj = getattr(kzoo.losses, name)
        assert keras.saving.get_registered_name(obj) == f"kzoo>{name}"


def test_applications_are_importable_as_kzoo_applications():
    # setup.py maps the top-level applications/ folder to kzoo.applications
    # (editable installs point at the folder; wheels copy it into kzoo/).
    import kzoo.applications

    assert kzoo.applications.__name__ == "kzoo.applications"
    assert kzoo.applications.__doc__.startswith("Application models")
    assert "face" in kzoo.applications.__all__
    assert kzoo.applications.face.__name__ == "kzoo.applications.face"


_LOAD = """
import sys, numpy as np, keras, kzoo
model = keras.saving.load_model(sys.argv[1])
assert type(model.loss).__name__ == sys.argv[2], type(model.loss)
x = np.load(sys.argv[3])
np.save(sys.argv[4], model.predict(x, verbose=0))
print(keras.backend.backend())
"""


def test_keras_file_reloads_with_only_import_kzoo_on_every_backend(tmp_path):
    # A model compiled with kzoo objects, saved under this backend, reloads in
    # a fresh process under every backend with nothing but `import kzoo`.
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(3),
            keras.layers.UnitNormalization(),
        ]
    )
    loss = kzoo.losses.TripletMarginLoss(
        margin=0.1, miner=kzoo.miners.TripletMiner(type="semihard")
    )
    model.compile(optimizer="adam", loss=loss)
    path = str(tmp_path / "m.keras")
    model.save(path)
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    np.save(tmp_path / "x.npy", x)
    expected = model.predict(x, verbose=0)
    for backend in ("tensorflow", "jax", "torch"):
        out = tmp_path / f"y_{backend}.npy"
        env = dict(os.environ, KERAS_BACKEND=backend)
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                _LOAD,
                path,
                "TripletMarginLoss",
                str(tmp_path / "x.npy"),
                str(out),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        assert result.stdout.strip().endswith(backend)
        np.testing.assert_allclose(np.load(out), expected, atol=1e-6)


@pytest.mark.parametrize(
    "old_module, name, new",
    [
        ("kzoo.training.base", "grad", "kzoo.backend.value_and_grads"),
        (
            "kzoo.training.base",
            "GradientStepModel",
            "kzoo.training.GradientStepModel",
        ),
        (
            "kzoo.metrics.topology",
            "BettiMatchingError",
            "kzoo.metrics.BettiMatchingError",
        ),
        (
            "kzoo.metrics.topology",
            "BettiNumberError",
            "kzoo.metrics.BettiNumberError",
        ),
        (
            "kzoo.topology",
            "BettiMatching2D",
            "kzoo.persistent_homology.BettiMatching2D",
        ),
        (
            "kzoo.topology",
            "barcode_2d",
            "kzoo.persistent_homology.barcode_2d",
        ),
        ("kzoo.topology", "host_callback", "kzoo.backend.host_callback"),
    ],
)
def test_deprecated_aliases_warn_and_return_the_new_object(
    old_module, name, new
):
    module = importlib.import_module(old_module)
    new_module, _, new_name = new.rpartition(".")
    expected = getattr(importlib.import_module(new_module), new_name)
    with pytest.warns(DeprecationWarning, match=re.escape(f"`{new}`")):
        assert getattr(module, name) is expected
    with pytest.raises(AttributeError):
        module.no_such_name
