import numpy as np
import pytest

import kzoo
from kzoo.testing import EmbeddingLossChecklist
from kzoo.testing import clustered_embeddings
from kzoo.testing import value_and_grad
from tests.reference import metric_learning as ref
from tests.reference import pml


class TestTripletMarginLoss(EmbeddingLossChecklist):
    loss_class = kzoo.losses.TripletMarginLoss
    default_kwargs = {"margin": 0.2}
    # AvgNonZero's count jumps where a pair's loss crosses 0; the FD check uses
    # the plain mean (the avg_nonzero gradient is checked against PML autograd).
    fd_kwargs = {"avg_nonzero": False}
    bad_kwargs = [
        ({"margin": "a"}, r"Received: margin='a'"),
        ({"swap": 1}, r"Received: swap=1"),
        ({"smooth_loss": None}, r"Received: smooth_loss=None"),
    ]


def _batch(seed):
    return clustered_embeddings(num_classes=3, per_class=4, dim=4, seed=seed)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"margin": 0.3, "swap": True}, {"margin": 0.1, "smooth_loss": True}],
    ids=["defaults", "swap", "smooth"],
)
@pytest.mark.parametrize(
    "miner_type", [None, "all", "hard", "semihard", "easy"]
)
@pytest.mark.parametrize("seed", [0, 1])
def test_matches_pytorch_metric_learning(kwargs, miner_type, seed):
    y, x = _batch(seed)
    pml_miner = None
    miner = None
    if miner_type is not None:
        pml_miner = pml.miners.TripletMarginMiner(
            margin=0.3, type_of_triplets=miner_type
        )
        miner = kzoo.miners.TripletMiner(margin=0.3, type=miner_type)
    expected, expected_grad = pml.value_and_grad(
        pml.losses.TripletMarginLoss(**kwargs), y, x, pml_miner
    )
    loss = kzoo.losses.TripletMarginLoss(**kwargs, miner=miner)
    value, grad = value_and_grad(lambda t: loss(y, t), x)
    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-4, atol=1e-5)


def test_pair_miner_feeds_triplets_like_pml():
    y, x = _batch(2)
    expected, expected_grad = pml.value_and_grad(
        pml.losses.TripletMarginLoss(margin=0.2),
        y,
        x,
        pml.miners.MultiSimilarityMiner(0.1),
    )
    loss = kzoo.losses.TripletMarginLoss(
        margin=0.2, miner=kzoo.miners.MultiSimilarityMiner(0.1)
    )
    value, grad = value_and_grad(lambda t: loss(y, t), x)
    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"margin": 0.2},
        {"margin": 0.4, "swap": True},
        {"smooth_loss": True},
        {"margin": 0.2, "avg_nonzero": False},
    ],
)
def test_matches_float64_reference(kwargs):
    y, x = _batch(3)
    y[0] = 42  # a class of one: no triplet has it as anchor or positive
    expected = ref.triplet_margin(y, x, **kwargs)
    got = kzoo.losses.TripletMarginLoss(**kwargs)(y, x)
    np.testing.assert_allclose(float(got), expected, rtol=1e-5, atol=1e-6)


def test_similarity_distance_matches_pml():
    y, x = _batch(4)
    expected, expected_grad = pml.value_and_grad(
        pml.losses.TripletMarginLoss(
            margin=0.1, distance=pml.distances.CosineSimilarity()
        ),
        y,
        x,
    )
    loss = kzoo.losses.TripletMarginLoss(margin=0.1, distance="cosine")
    value, grad = value_and_grad(lambda t: loss(y, t), x)
    np.testing.assert_allclose(value, expected, rtol=1e-5)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-4, atol=1e-5)


def test_functional_twin_equals_class():
    y, x = _batch(5)
    np.testing.assert_allclose(
        np.asarray(kzoo.losses.triplet_margin(y, x, margin=0.3)),
        np.asarray(
            kzoo.losses.TripletMarginLoss(margin=0.3, reduction="none")(y, x)
        ),
        rtol=1e-6,
    )
