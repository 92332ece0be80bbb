"""Examples for the classification losses."""


from tests.losses.examples import Example
from tests.losses.examples import example


def _ids_and_logits(rng, batch=6, classes=4):
    y = rng.integers(0, classes, size=batch)
    x = rng.normal(size=(batch, classes)).astype("float32")
    return y, x


@example("ZLoss")
def _z(rng):
    return Example(*_ids_and_logits(rng))


@example("CompSumLoss")
def _comp_sum(rng):
    return Example(*_ids_and_logits(rng), kwargs={"tau": 1.5})


@example("LDRKLLoss")
def _ldr_kl(rng):
    return Example(*_ids_and_logits(rng), kwargs={"temperature": 2.0})
