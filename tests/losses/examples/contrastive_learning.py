"""Examples for the contrastive-learning losses."""

import numpy as np

from tests.losses.examples import Example
from tests.losses.examples import example


def labelled_embeddings(rng, batch=8, dim=4, classes=3):
    y = rng.integers(0, classes, size=batch)
    x = rng.normal(size=(batch, dim)).astype("float32")
    return y, x


def two_views(rng, batch=6, dim=3):
    a = rng.normal(size=(batch, dim))
    b = a + 0.4 * rng.normal(size=a.shape)
    return np.concatenate([a, b], 1).astype("float32")


@example("NTXentLoss")
def _ntxent(rng):
    return Example(*labelled_embeddings(rng), kwargs={"temperature": 0.5})


@example("HardContrastiveLoss")
def _hard_contrastive(rng):
    return Example(
        *labelled_embeddings(rng), kwargs={"temperature": 0.5, "k": 2}
    )


@example("GroCoLoss")
def _groco(rng):
    return Example(*labelled_embeddings(rng), kwargs={"topk_neg": 2})


@example("AMCLLoss")
def _amcl(rng):
    y = np.tile(np.arange(3), 2)
    sim = rng.uniform(-1.0, 1.0, size=(6, 2, 6))
    temperature = rng.uniform(0.1, 1.0, size=(6, 2, 6))
    pairs = np.stack([sim, temperature], -1).astype("float32")
    return Example(y, pairs, kwargs={"reg_dim": 4})


@example("GraphMatchingLoss")
def _graph_matching(rng):
    return Example(
        np.zeros(6, "int32"),
        two_views(rng),
        kwargs={"num_neighbors": 2, "sinkhorn_iterations": 3},
    )


@example("MannWhitneyLoss")
def _mann_whitney(rng):
    relevance = np.zeros((4, 6), "float32")
    relevance[np.arange(4), np.arange(4)] = 1.0
    scores = rng.normal(size=(4, 6)).astype("float32")
    return Example(relevance, scores, kwargs={"temperature": 0.5})


@example("MultiPositiveInfoNCELoss")
def _multi_positive_info_nce(rng):
    y1 = np.arange(6) // 2
    y2 = (y1 + 1) % 3
    pairs = np.stack([y1, y2], 1).astype("int32")
    logits = rng.normal(size=(6, 6)).astype("float32")
    return Example(pairs, logits, kwargs={"temperature": 0.5})


@example("PairingNetLoss")
def _pairing_net(rng):
    ids = np.stack([[0, 0, 1, 2, 3, 3], [5, 6, 7, 5, 8, 9]], 1)
    return Example(
        ids.astype("int32"), two_views(rng), kwargs={"temperature": 0.5}
    )


@example("PamCLoss")
def _pamc(rng):
    z = rng.normal(size=(6, 3))
    q = rng.uniform(size=(6, 2))
    adj = (rng.uniform(size=(6, 6)) < 0.5).astype("float32")
    adj = np.maximum(adj, adj.T) + np.eye(6, dtype="float32")
    x = np.concatenate([z, q], 1).astype("float32")
    return Example(adj, x, kwargs={"num_clusters": 2, "temperature": 0.5})


@example("ProtoNCELoss")
def _proto_nce(rng):
    ids = np.stack([np.arange(6) % 2, np.arange(6) % 3], 1).astype("int32")
    logits = rng.normal(size=(6, 5)).astype("float32")
    return Example(ids, logits, kwargs={"num_clusters": (2, 3)})


@example("WeightedInfoNCELoss")
def _weighted_info_nce(rng):
    ids = np.stack([np.arange(6) % 3, np.arange(6) % 2], 1).astype("int32")
    return Example(ids, two_views(rng), kwargs={"temperature": 0.5})
