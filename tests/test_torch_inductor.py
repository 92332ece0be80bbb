"""One kzoo training step compiled with torch's default inductor backend.

The rest of the suite compiles torch `fit(jit_compile=True)` with
`aot_eager` (see tests/conftest.py); this test keeps the inductor code path
covered end to end: an embedding model with a kzoo layer and loss.
"""

import keras
import numpy as np
import pytest

import kzoo
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(
    BACKEND != "torch", reason="torch-only: compiles with inductor"
)


def test_fit_compiles_with_inductor(monkeypatch):
    import torch

    original = getattr(torch.compile, "inductor", torch.compile)
    used = []

    def compile_with_inductor(model=None, **kwargs):
        used.append(kwargs.get("backend", "inductor"))
        return original(model, **kwargs)

    monkeypatch.setattr(torch, "compile", compile_with_inductor)
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8),
            kzoo.layers.L2Normalization(),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=kzoo.losses.MultiSimilarityLoss(),
        jit_compile=True,
    )
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 4)).astype("float32")
    y = np.repeat(np.arange(4), 4)
    before = model.get_weights()[0].copy()
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    assert used == ["inductor"]
    assert np.all(np.isfinite(history.history["loss"]))
    assert not np.allclose(before, model.get_weights()[0])
