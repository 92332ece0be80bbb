import numpy as np
import pytest

import kzoo
from kzoo.testing import EmbeddingLossChecklist
from kzoo.testing import clustered_embeddings
from kzoo.testing import value_and_grad
from tests.reference import metric_learning as ref
from tests.reference import pml


class TestContrastiveLoss(EmbeddingLossChecklist):
    loss_class = kzoo.losses.ContrastiveLoss
    default_kwargs = {"pos_margin": 0.1, "neg_margin": 1.2}
    # AvgNonZero's count jumps where a pair's loss crosses 0; the FD check uses
    # the plain mean (the avg_nonzero gradient is checked against PML autograd).
    fd_kwargs = {"avg_nonzero": False}
    bad_kwargs = [
        ({"pos_margin": "a"}, r"Received: pos_margin='a'"),
        ({"neg_margin": None}, r"Received: neg_margin=None"),
        ({"avg_nonzero": "yes"}, r"Received: avg_nonzero='yes'"),
        ({"miner": "semihard"}, r"Received: miner='semihard'"),
    ]


def _batch(seed):
    return clustered_embeddings(num_classes=3, per_class=4, dim=4, seed=seed)


MINERS = {
    "none": (None, None),
    "triplet_all": (
        lambda: kzoo.miners.TripletMiner(margin=0.3, type="all"),
        lambda: pml.miners.TripletMarginMiner(
            margin=0.3, type_of_triplets="all"
        ),
    ),
    "triplet_hard": (
        lambda: kzoo.miners.TripletMiner(margin=0.3, type="hard"),
        lambda: pml.miners.TripletMarginMiner(
            margin=0.3, type_of_triplets="hard"
        ),
    ),
    "multi_similarity": (
        lambda: kzoo.miners.MultiSimilarityMiner(0.1),
        lambda: pml.miners.MultiSimilarityMiner(0.1),
    ),
}


@pytest.mark.parametrize("miner", list(MINERS))
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"pos_margin": 0.2, "neg_margin": 1.5}],
    ids=["defaults", "margins"],
)
@pytest.mark.parametrize("seed", [0, 1])
def test_matches_pytorch_metric_learning(miner, kwargs, seed):
    y, x = _batch(seed)
    make_kzoo, make_pml = MINERS[miner]
    pml_miner = None if make_pml is None else make_pml()
    if pml_miner is not None:
        assert not pml.pml_degenerate_batch(pml.mined_indices(pml_miner, y, x))
    expected, expected_grad = pml.value_and_grad(
        pml.losses.ContrastiveLoss(**kwargs), y, x, pml_miner
    )
    loss = kzoo.losses.ContrastiveLoss(
        **kwargs, miner=None if make_kzoo is None else make_kzoo()
    )
    value, grad = value_and_grad(lambda t: loss(y, t), x)
    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("avg_nonzero", [True, False])
def test_matches_float64_reference(avg_nonzero):
    y, x = _batch(3)
    y[0] = 42  # a class of one
    expected = ref.contrastive(y, x, 0.1, 1.2, avg_nonzero=avg_nonzero)
    got = kzoo.losses.ContrastiveLoss(0.1, 1.2, avg_nonzero=avg_nonzero)(y, x)
    np.testing.assert_allclose(float(got), expected, rtol=1e-5, atol=1e-6)


def test_cosine_similarity_flips_the_margins():
    y, x = _batch(4)
    dist = pml.distances.CosineSimilarity()
    expected, expected_grad = pml.value_and_grad(
        pml.losses.ContrastiveLoss(
            pos_margin=0.9, neg_margin=0.2, distance=dist
        ),
        y,
        x,
    )
    loss = kzoo.losses.ContrastiveLoss(0.9, 0.2, distance="cosine")
    value, grad = value_and_grad(lambda t: loss(y, t), x)
    np.testing.assert_allclose(value, expected, rtol=1e-5)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-4, atol=1e-5)


def test_single_mined_triplet_is_not_zeroed():
    # PAPERS_METRIC.md §0.4 fixture: the semihard miner keeps one triplet.
    # pytorch-metric-learning's GenericPairLoss returns 0 when every index
    # tensor has at most one entry; kzoo computes that pair's loss instead.
    x, y = ref.X6, ref.Y6
    pml_miner = pml.miners.TripletMarginMiner(
        margin=0.2, type_of_triplets="semihard"
    )
    indices = pml.mined_indices(pml_miner, y, x)
    assert pml.pml_degenerate_batch(indices)
    a, p, n = (int(i[0]) for i in indices)
    d = ref.euclidean_matrix(x)
    expected = max(0.0, d[a, p] - 0.0) + max(0.0, 1.0 - d[a, n])
    loss = kzoo.losses.ContrastiveLoss(
        miner=kzoo.miners.TripletMiner(type="semihard")
    )
    np.testing.assert_allclose(float(loss(y, x)), expected, rtol=1e-5)


def test_functional_twin_equals_class():
    y, x = _batch(5)
    np.testing.assert_allclose(
        np.asarray(kzoo.losses.contrastive(y, x, 0.1, 1.1)),
        np.asarray(
            kzoo.losses.ContrastiveLoss(0.1, 1.1, reduction="none")(y, x)
        ),
        rtol=1e-6,
    )
