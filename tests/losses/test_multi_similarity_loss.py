import numpy as np
import pytest

import kzoo
from kzoo.testing import EmbeddingLossChecklist
from kzoo.testing import clustered_embeddings
from kzoo.testing import value_and_grad
from tests.reference import metric_learning as ref
from tests.reference import pml

# The fixture of PAPERS_METRIC.md §0.4 / §1.
X6, Y6 = ref.X6, ref.Y6


def _batch(seed, singleton=False):
    y, x = clustered_embeddings(num_classes=3, per_class=4, dim=4, seed=seed)
    if singleton:  # an anchor without any positive
        y = y.copy()
        y[0] = 99
    return y, x


HYPER = {
    "defaults": {},
    "sharp": {"alpha": 4.0, "beta": 60.0, "base": 0.3, "epsilon": 0.2},
    "no_mining": {"epsilon": None},
    # β(1 − λ) = 55: the fused closed-form path near its exponent limit.
    "steep_fused": {"beta": 110.0, "base": 0.5},
    # β(1 − λ) = 70 > 60: the generic stabilized log-sum-exp path.
    "beyond_fused_limit": {"beta": 100.0, "base": 0.3},
}


def test_fused_path_is_taken_within_its_exponent_limit():
    from kzoo.losses.metric_learning import multi_similarity_loss as msl

    cos = kzoo.distances.CosineSimilarity()
    assert msl._fusable(cos, 2.0, 50.0, 0.5)
    assert msl._fusable(cos, 2.0, 110.0, 0.5)
    assert not msl._fusable(cos, 2.0, 100.0, 0.3)
    assert not msl._fusable(kzoo.distances.EuclideanDistance(), 2.0, 50.0, 0.5)


def _pml_objects(kwargs):
    kw = {"alpha": 2.0, "beta": 50.0, "base": 0.5, "epsilon": 0.1, **kwargs}
    loss = pml.losses.MultiSimilarityLoss(
        alpha=kw["alpha"], beta=kw["beta"], base=kw["base"]
    )
    miner = (
        None
        if kw["epsilon"] is None
        else pml.miners.MultiSimilarityMiner(kw["epsilon"])
    )
    return loss, miner


class TestMultiSimilarityLoss(EmbeddingLossChecklist):
    loss_class = kzoo.losses.MultiSimilarityLoss
    bad_kwargs = [
        ({"alpha": 0.0}, r"Received: alpha=0.0"),
        ({"beta": -1}, r"Received: beta=-1"),
        ({"base": "x"}, r"Received: base='x'"),
        ({"epsilon": -0.1}, r"Received: epsilon=-0.1"),
        ({"official": 1}, r"Received: official=1"),
        (
            {"official": True, "distance": "euclidean"},
            r"Received: distance=Euclidean",
        ),
        ({"distance": "manhattan"}, r"Received: distance='manhattan'"),
    ]


def test_paper_fixture_values():
    # Values from PAPERS_METRIC.md §1, obtained there by running the authors'
    # code and pytorch-metric-learning on X6, y6.
    loss = kzoo.losses.MultiSimilarityLoss
    np.testing.assert_allclose(float(loss()(Y6, X6)), 0.0900170, atol=2e-7)
    np.testing.assert_allclose(
        float(loss(epsilon=None)(Y6, X6)), 0.4069772, atol=2e-7
    )
    np.testing.assert_allclose(
        float(loss(official=True, beta=40.0)(Y6, X6)), 0.0907320, atol=2e-7
    )
    np.testing.assert_allclose(
        float(loss(official=True)(Y6, X6)), 0.0900170, atol=2e-7
    )


@pytest.mark.parametrize("name", list(HYPER))
@pytest.mark.parametrize(
    "seed,singleton", [(0, False), (1, True), (2, False), (3, True)]
)
def test_matches_pytorch_metric_learning(name, seed, singleton):
    kwargs = HYPER[name]
    y, x = _batch(seed, singleton)
    pml_loss, pml_miner = _pml_objects(kwargs)
    if pml_miner is not None:
        assert not pml.pml_degenerate_batch(pml.mined_indices(pml_miner, y, x))
    expected, expected_grad = pml.value_and_grad(pml_loss, y, x, pml_miner)
    loss = kzoo.losses.MultiSimilarityLoss(**kwargs)
    value, grad = value_and_grad(lambda t: loss(y, t), x)
    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("official", [False, True])
@pytest.mark.parametrize("name", list(HYPER))
def test_per_anchor_values_match_float64_reference(name, official):
    kwargs = HYPER[name]
    y, x = _batch(5, singleton=True)
    expected = ref.multi_similarity(y, x, official=official, **kwargs)
    got = kzoo.losses.MultiSimilarityLoss(
        reduction="none", official=official, **kwargs
    )(y, x)
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-5, atol=1e-6)


def test_mined_sets_of_an_anchor_are_empty_together():
    # For ε ≥ 0, an anchor keeps a negative only if some negative is within ε of
    # its hardest positive, which then is kept too (and vice versa). So the
    # authors' "drop incomplete anchors" rule never fires on its own, and the
    # authors' code and pytorch-metric-learning differ only on exact-duplicate
    # positives (next test).
    miner = kzoo.miners.MultiSimilarityMiner(0.1)
    for seed in range(20):
        y, x = clustered_embeddings(4, 3, 3, spread=1.0, seed=seed)
        pos_w, neg_w = (np.asarray(w) for w in miner(y, x))
        np.testing.assert_array_equal(pos_w.any(axis=1), neg_w.any(axis=1))


def test_official_variant_drops_exact_duplicate_positives():
    # Row 1 has row 0's direction; row 2 is a hard negative of both, so the
    # duplicate positive is mined by pytorch-metric-learning's rule and
    # discarded by the authors' S ≥ 1 − 1e-5 rule.
    x = np.array(
        [[1.0, 0.0], [2.0, 0.0], [0.95, 0.31], [0.0, 1.0], [-1.0, 0.2]],
        dtype="float32",
    )
    y = np.array([0, 0, 1, 1, 2])
    default = np.asarray(kzoo.losses.multi_similarity(y, x))
    official = np.asarray(kzoo.losses.multi_similarity(y, x, official=True))
    np.testing.assert_allclose(
        default, ref.multi_similarity(y, x), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        official,
        ref.multi_similarity(y, x, official=True),
        rtol=1e-5,
        atol=1e-6,
    )
    assert not np.allclose(default[:2], official[:2])


def test_euclidean_distance_variant_matches_pml():
    y, x = _batch(4)
    loss = kzoo.losses.MultiSimilarityLoss(
        distance="euclidean", base=1.0, epsilon=0.1
    )
    dist = pml.distances.LpDistance()
    expected, expected_grad = pml.value_and_grad(
        pml.losses.MultiSimilarityLoss(base=1.0, distance=dist),
        y,
        x,
        pml.miners.MultiSimilarityMiner(0.1, distance=dist),
    )
    value, grad = value_and_grad(lambda t: loss(y, t), x)
    np.testing.assert_allclose(value, expected, rtol=1e-5)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-4, atol=1e-5)


def test_functional_twin_equals_class():
    y, x = _batch(6)
    per_anchor = kzoo.losses.multi_similarity(y, x, alpha=3.0)
    cls = kzoo.losses.MultiSimilarityLoss(alpha=3.0, reduction="none")(y, x)
    np.testing.assert_allclose(
        np.asarray(per_anchor), np.asarray(cls), rtol=1e-6
    )
