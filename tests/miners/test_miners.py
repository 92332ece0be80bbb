import keras
import numpy as np
import pytest

import kzoo
from kzoo.testing import clustered_embeddings
from tests.reference import pml


def _dense_pairs(indices, n):
    a1, p, a2, neg = indices
    pos_w, neg_w = np.zeros((n, n)), np.zeros((n, n))
    np.add.at(pos_w, (a1, p), 1)
    np.add.at(neg_w, (a2, neg), 1)
    return pos_w, neg_w


def _dense_triplets(indices, n):
    a, p, neg = indices
    t = np.zeros((n, n, n))
    np.add.at(t, (a, p, neg), 1)
    return t


@pytest.mark.parametrize("epsilon", [0.0, 0.1, 0.5])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("distance", ["cosine", "euclidean"])
def test_multi_similarity_miner_matches_pml(epsilon, seed, distance):
    y, x = clustered_embeddings(3, 4, 4, seed=seed)
    y[0] = 7  # anchor without positives
    pml_dist = (
        pml.distances.CosineSimilarity()
        if distance == "cosine"
        else pml.distances.LpDistance()
    )
    expected = _dense_pairs(
        pml.mined_indices(
            pml.miners.MultiSimilarityMiner(epsilon, distance=pml_dist), y, x
        ),
        len(y),
    )
    got = kzoo.miners.MultiSimilarityMiner(epsilon, distance=distance)(y, x)
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(g), e)


@pytest.mark.parametrize("type_", ["all", "hard", "semihard", "easy"])
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("distance", ["euclidean", "cosine"])
def test_triplet_miner_matches_pml(type_, seed, distance):
    y, x = clustered_embeddings(3, 3, 4, seed=seed)
    pml_dist = (
        pml.distances.CosineSimilarity()
        if distance == "cosine"
        else pml.distances.LpDistance()
    )
    miner = pml.miners.TripletMarginMiner(
        margin=0.3, type_of_triplets=type_, distance=pml_dist
    )
    expected = _dense_triplets(pml.mined_indices(miner, y, x), len(y))
    got = kzoo.miners.TripletMiner(margin=0.3, type=type_, distance=distance)(
        y, x
    )
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(got), expected)


def test_conversions_count_multiplicity_like_pml():
    t = np.zeros((3, 3, 3), "float32")
    t[0, 1, 2] = t[0, 1, 0] = 1  # two triplets share the positive pair (0, 1)
    pos, neg = kzoo.miners.pairs_from_triplets(t)
    assert keras.ops.convert_to_numpy(pos)[0, 1] == 2
    back = keras.ops.convert_to_numpy(kzoo.miners.triplets_from_pairs(pos, neg))
    assert back[0, 1, 2] == 2


def test_miners_serialize_and_validate():
    for miner in [
        kzoo.miners.MultiSimilarityMiner(0.2, distance="euclidean"),
        kzoo.miners.TripletMiner(0.1, type="semihard"),
    ]:
        config = keras.saving.serialize_keras_object(miner)
        assert config["registered_name"] == f"kzoo>{type(miner).__name__}"
        restored = keras.saving.deserialize_keras_object(config)
        assert restored.get_config() == miner.get_config()
    with pytest.raises(ValueError, match="Received: epsilon=-1"):
        kzoo.miners.MultiSimilarityMiner(-1)
    with pytest.raises(ValueError, match="Received: type='batch_hard'"):
        kzoo.miners.TripletMiner(type="batch_hard")
    with pytest.raises(ValueError, match="Received: ref_labels is None=False"):
        kzoo.miners.TripletMiner()(
            np.zeros(2), np.zeros((2, 2)), ref_labels=np.zeros(2)
        )


def test_mined_weights_carry_no_gradient():
    from kzoo.testing import value_and_grad

    y, x = clustered_embeddings(2, 3, 3, seed=4)
    miner = kzoo.miners.MultiSimilarityMiner(0.1)
    _, grad = value_and_grad(lambda t: keras.ops.sum(miner(y, t)[0]), x)
    np.testing.assert_array_equal(grad, 0.0)
