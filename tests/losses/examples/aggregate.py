"""Examples for the aggregate-response (bag) losses."""

import numpy as np

from tests.losses.examples import Example
from tests.losses.examples import example


def _bags(rng, bags=3, size=2):
    bag_id = np.repeat(np.arange(bags), size)
    response = np.repeat(rng.uniform(size=bags), size)
    pred = rng.uniform(0.1, 0.9, size=bags * size)
    y = np.stack([response, bag_id], axis=1).astype("float32")
    return y, pred.astype("float32")


@example("BagLoss")
def _bag(rng):
    return Example(*_bags(rng), kwargs={"loss": "binary_crossentropy"})


@example("InstanceLoss")
def _instance(rng):
    return Example(*_bags(rng))


@example("InterpolatingBagLoss")
def _interpolating_bag(rng):
    return Example(*_bags(rng), kwargs={"rho": 0.3})
