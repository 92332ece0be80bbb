import numpy as np
import pytest

import kzoo
from kzoo.testing import EmbeddingLossChecklist
from kzoo.testing import clustered_embeddings
from kzoo.testing import value_and_grad
from tests.reference import metric_learning as ref
from tests.reference import pml


class TestNTXentLoss(EmbeddingLossChecklist):
    loss_class = kzoo.losses.NTXentLoss
    default_kwargs = {"temperature": 0.5}
    bad_kwargs = [
        ({"temperature": 0.0}, r"Received: temperature=0.0"),
        ({"temperature": -1}, r"Received: temperature=-1"),
        ({"temperature": "hot"}, r"Received: temperature='hot'"),
    ]


def _simclr_batch(seed, n=6, dim=8):
    # Two views per image, as in SimCLR: labels are image ids.
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, dim))
    views = np.concatenate(
        [
            base + 0.3 * rng.normal(size=base.shape),
            base + 0.3 * rng.normal(size=base.shape),
        ]
    )
    return np.tile(np.arange(n), 2).astype("int32"), views.astype("float32")


BATCHES = {
    "simclr_views": lambda: _simclr_batch(0),
    "several_positives": lambda: clustered_embeddings(3, 4, 4, seed=1),
    "singleton_class": lambda: (
        np.array([0, 0, 1, 1, 1, 2, 3, 3], "int32"),
        clustered_embeddings(4, 2, 4, seed=2)[1],
    ),
}


@pytest.mark.parametrize("temperature", [0.07, 0.5])
@pytest.mark.parametrize("batch", list(BATCHES))
def test_matches_pytorch_metric_learning(batch, temperature):
    y, x = BATCHES[batch]()
    expected, expected_grad = pml.value_and_grad(
        pml.losses.NTXentLoss(temperature=temperature), y, x
    )
    loss = kzoo.losses.NTXentLoss(temperature=temperature)
    value, grad = value_and_grad(lambda t: loss(y, t), x)
    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-4, atol=1e-5)


def test_matches_pml_with_a_miner():
    y, x = clustered_embeddings(3, 4, 4, seed=3)
    expected, expected_grad = pml.value_and_grad(
        pml.losses.NTXentLoss(temperature=0.2),
        y,
        x,
        pml.miners.TripletMarginMiner(margin=0.5, type_of_triplets="all"),
    )
    loss = kzoo.losses.NTXentLoss(
        temperature=0.2, miner=kzoo.miners.TripletMiner(margin=0.5, type="all")
    )
    value, grad = value_and_grad(lambda t: loss(y, t), x)
    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("batch", list(BATCHES))
def test_matches_float64_reference(batch):
    y, x = BATCHES[batch]()
    expected = ref.ntxent(y, x, temperature=0.1)
    np.testing.assert_allclose(
        float(kzoo.losses.NTXentLoss(0.1)(y, x)), expected, rtol=1e-5, atol=1e-6
    )


def test_no_negatives_or_no_positives_give_zero():
    _, x = clustered_embeddings(2, 3, 4, seed=4)
    loss = kzoo.losses.NTXentLoss()
    assert float(loss(np.zeros(6, "int32"), x)) == 0.0
    assert float(loss(np.arange(6, dtype="int32"), x)) == 0.0


def test_stable_at_low_temperature():
    y, x = _simclr_batch(5)
    loss = kzoo.losses.NTXentLoss(temperature=1e-3)
    value, grad = value_and_grad(lambda t: loss(y, t), x)
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    np.testing.assert_allclose(value, ref.ntxent(y, x, 1e-3), rtol=1e-4)


def test_functional_twin_equals_class():
    y, x = _simclr_batch(6)
    np.testing.assert_allclose(
        np.asarray(kzoo.losses.ntxent(y, x, temperature=0.3)),
        np.asarray(kzoo.losses.NTXentLoss(0.3, reduction="none")(y, x)),
        rtol=1e-6,
    )
