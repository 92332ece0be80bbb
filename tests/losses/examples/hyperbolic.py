"""Examples for the Hyp-OC losses."""

import numpy as np

from tests.losses.examples import Example
from tests.losses.examples import example


@example("HypCrossEntropyLoss")
def _hyp_cross_entropy(rng):
    logits = rng.normal(size=(6, 2)).astype("float32")
    return Example(np.array([0, 0, 0, 1, 1, 1]), logits, kwargs={})


@example("HypPairwiseConfusionLoss")
def _hyp_pairwise_confusion(rng):
    # Points well inside the ball of curvature −0.1 (radius ≈ 3.16).
    z = 0.3 * rng.normal(size=(8, 3)).astype("float32")
    # One-class layout: 4 real rows, then 4 pseudo-negatives.
    return Example(np.zeros(4), z, kwargs={"c": 0.1}, batch_size=4)
