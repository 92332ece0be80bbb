"""Examples for the contrastive-learning losses."""

from tests.losses.examples import Example
from tests.losses.examples import example


def labelled_embeddings(rng, batch=8, dim=4, classes=3):
    y = rng.integers(0, classes, size=batch)
    x = rng.normal(size=(batch, dim)).astype("float32")
    return y, x


@example("NTXentLoss")
def _ntxent(rng):
    return Example(*labelled_embeddings(rng), kwargs={"temperature": 0.5})
