import keras
import numpy as np
import pytest

import kzoo
from tests.reference import pml

CASES = [
    (
        kzoo.distances.CosineSimilarity(),
        lambda: pml.distances.CosineSimilarity(),
    ),
    (kzoo.distances.EuclideanDistance(), lambda: pml.distances.LpDistance()),
    (
        kzoo.distances.EuclideanDistance(normalize_embeddings=False),
        lambda: pml.distances.LpDistance(normalize_embeddings=False),
    ),
    (
        kzoo.distances.SquaredEuclideanDistance(),
        lambda: pml.distances.LpDistance(power=2),
    ),
    (
        kzoo.distances.DotProductSimilarity(),
        lambda: pml.distances.DotProductSimilarity(normalize_embeddings=False),
    ),
]


@pytest.mark.parametrize(
    "index", range(len(CASES)), ids=[repr(c[0]) for c in CASES]
)
def test_matches_pytorch_metric_learning(index):
    import torch

    ours, theirs = CASES[index]
    rng = np.random.default_rng(index)
    a = rng.normal(size=(5, 4)).astype("float32")
    b = rng.normal(size=(3, 4)).astype("float32")
    ref = theirs()
    expected = ref(
        torch.tensor(a, dtype=torch.float64),
        torch.tensor(b, dtype=torch.float64),
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(ours(a, b)),
        expected.numpy(),
        rtol=1e-5,
        atol=1e-5,
    )
    assert ours.is_similarity == ref.is_inverted


@pytest.mark.parametrize("index", range(len(CASES)))
def test_serialization_and_get(index):
    dist = CASES[index][0]
    config = keras.saving.serialize_keras_object(dist)
    assert config["registered_name"] == f"kzoo>{type(dist).__name__}"
    restored = keras.saving.deserialize_keras_object(config)
    assert restored == dist
    assert kzoo.distances.get(config) == dist


def test_get_by_name_and_errors():
    assert kzoo.distances.get("cosine") == kzoo.distances.CosineSimilarity()
    assert kzoo.distances.get("euclidean") == kzoo.distances.EuclideanDistance()
    with pytest.raises(ValueError, match="Received: distance='l1'"):
        kzoo.distances.get("l1")
    with pytest.raises(
        ValueError, match="Received: normalize_embeddings='yes'"
    ):
        kzoo.distances.EuclideanDistance(normalize_embeddings="yes")


def test_margin_semantics():
    sim, dist = (
        kzoo.distances.CosineSimilarity(),
        kzoo.distances.EuclideanDistance(),
    )
    assert sim.margin(0.2, 0.5) == pytest.approx(0.3)
    assert dist.margin(0.2, 0.5) == pytest.approx(-0.3)
