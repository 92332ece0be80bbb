"""Examples for the information-theoretic (Cauchy–Schwarz) losses."""

import numpy as np

from tests.losses.examples import Example
from tests.losses.examples import example


@example("ConditionalCSDivergenceLoss")
def _conditional_cs_divergence(rng):
    x = rng.normal(size=(6, 3))
    y = rng.normal(size=(6, 2))
    y_hat = y + 0.5 * rng.normal(size=y.shape)
    return Example(
        np.concatenate([y, x], axis=1).astype("float32"),
        y_hat.astype("float32"),
        kwargs={"target_dim": 2, "sigma": 1.5},
    )


@example("CSQMILoss")
def _csqmi(rng):
    x = rng.normal(size=(6, 3)).astype("float32")
    t = rng.normal(size=(6, 2)).astype("float32")
    return Example(x, t, kwargs={"normalized": False})
