"""Examples for the set-output losses."""

from tests.losses.examples import Example
from tests.losses.examples import example


@example("OrderSearchLoss")
def _order_search(rng):
    y = rng.integers(0, 5, size=(4, 3)).astype("int32")
    s = rng.normal(size=(4, 3, 5)).astype("float32")
    return Example(y, s, kwargs={"max_exact_length": 3})
