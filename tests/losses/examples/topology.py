"""Examples for the topological losses."""

from tests.losses.examples import Example
from tests.losses.examples import example


@example("BettiMatchingLoss")
def _betti_matching(rng):
    p = rng.random((3, 6, 6)).astype("float32")
    g = (rng.random((3, 6, 6)) > 0.5).astype("float32")
    return Example(g, p, kwargs={"dims": (0, 1), "dice_weight": 0.5})
