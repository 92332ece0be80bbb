"""Examples for the classification losses."""

import numpy as np

from tests.losses.examples import Example
from tests.losses.examples import example


def _ids_and_logits(rng, batch=6, classes=4):
    y = rng.integers(0, classes, size=batch)
    x = rng.normal(size=(batch, classes)).astype("float32")
    return y, x


def _binary(rng, batch=8):
    y = np.array([1, 0, 0, 1, 0, 1, 1, 0][:batch], "float32")
    return y, rng.normal(size=batch).astype("float32")


@example("ZLoss")
def _z(rng):
    return Example(*_ids_and_logits(rng))


@example("CompSumLoss")
def _comp_sum(rng):
    return Example(*_ids_and_logits(rng), kwargs={"tau": 1.5})


@example("LDRKLLoss")
def _ldr_kl(rng):
    return Example(*_ids_and_logits(rng), kwargs={"temperature": 2.0})


@example("AnyLoss")
def _any(rng):
    y, logits = _binary(rng)
    return Example(
        y,
        logits,
        kwargs={
            "metric": "balanced_accuracy",
            "amplifier": 5.0,
            "from_logits": True,
        },
    )


@example("DPOLoss")
def _dpo(rng):
    logps = rng.uniform(-20.0, -2.0, size=(6, 4)).astype("float32")
    lengths = rng.integers(1, 10, size=(6, 2)).astype("float32")
    return Example(
        lengths, logps, kwargs={"beta": 0.5, "length_normalized": True}
    )


@example("EnsLoss")
def _ens(rng):
    y, logits = _binary(rng)
    noise = rng.normal(size=len(y)).astype("float32")
    # The noise travels in y_true: the loss is then deterministic.
    return Example(
        np.stack([y, noise], axis=1), logits, kwargs={"boxcox_lambda": 0.5}
    )
