"""Examples for the metric-learning losses."""

import numpy as np

from tests.losses.examples import Example
from tests.losses.examples import example


def labelled_embeddings(rng, batch=8, dim=4, classes=3):
    y = rng.integers(0, classes, size=batch)
    x = rng.normal(size=(batch, dim)).astype("float32")
    return y, x


def episode(rng, way=3, shot=2, query=2, dim=4):
    """One episode: supports, then queries, labels in [0, way)."""
    y = np.concatenate([np.repeat(np.arange(way), shot)] * 1)
    y = np.concatenate([y, np.repeat(np.arange(way), query)])
    x = rng.normal(size=(len(y), dim)) + 2.0 * y[:, None]
    return y.astype("int32"), x.astype("float32")


@example("ContrastiveLoss")
def _contrastive(rng):
    return Example(
        *labelled_embeddings(rng),
        kwargs={"pos_margin": 0.1, "neg_margin": 1.2},
    )


@example("TripletMarginLoss")
def _triplet_margin(rng):
    return Example(*labelled_embeddings(rng), kwargs={"margin": 0.2})


@example("MultiSimilarityLoss")
def _multi_similarity(rng):
    return Example(*labelled_embeddings(rng), kwargs={"epsilon": None})


@example("FacialSymmetryLoss")
def _facial_symmetry(rng):
    rho = rng.uniform(0.0, 1.0, size=6).astype("float32")
    halves = rng.normal(size=(6, 8)).astype("float32")
    return Example(
        rho, halves, kwargs={"rho_threshold": 0.2, "weight_by_rho": True}
    )


@example("ProtoTripletLoss")
def _proto_triplet(rng):
    return Example(
        *episode(rng), kwargs={"way": 3, "shot": 2, "query": 2, "margin": 0.3}
    )


@example("ICNNLoss")
def _icnn(rng):
    return Example(
        *episode(rng), kwargs={"way": 3, "shot": 2, "query": 2, "k": 3}
    )
