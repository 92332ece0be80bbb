import numpy as np
import pytest

import kzoo
from kzoo.testing import EmbeddingLossChecklist
from kzoo.testing import clustered_embeddings
from kzoo.testing import value_and_grad
from tests.reference import contrastive as ref
from tests.reference import pml


class TestHardContrastiveLoss(EmbeddingLossChecklist):
    loss_class = kzoo.losses.HardContrastiveLoss
    default_kwargs = {"temperature": 0.5, "k": 3}
    bad_kwargs = [
        ({"temperature": 0.0}, r"Received: temperature=0.0"),
        ({"k": 0}, r"Received: k=0"),
        ({"k": 1.5}, r"Received: k=1.5"),
        ({"alpha": 0.0}, r"Received: alpha=0.0"),
        ({"alpha": 1.5}, r"Received: alpha=1.5"),
        ({"k": None, "alpha": "x"}, r"Received: alpha='x'"),
        ({"k": 2, "alpha": 0.5}, r"Received: k=2, alpha=0.5"),
    ]


@pytest.mark.parametrize(
    "kwargs", [{"k": 2}, {"k": 5}, {"alpha": 0.3}, {"alpha": 1.0}]
)
def test_matches_float64_reference(kwargs):
    y, x = clustered_embeddings(3, 4, 5, seed=2)
    loss = kzoo.losses.HardContrastiveLoss(temperature=0.2, **kwargs)
    value, _ = value_and_grad(lambda t: loss(y, t), x)
    expected = ref.hard_contrastive(y, x, 0.2, **kwargs)
    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-6)


def test_without_selection_equals_pml_ntxent():
    # k = alpha = None is NT-Xent: PML NTXentLoss value and gradient.
    y, x = clustered_embeddings(3, 3, 4, seed=5)
    expected, expected_grad = pml.value_and_grad(
        pml.losses.NTXentLoss(temperature=0.3), y, x
    )
    loss = kzoo.losses.HardContrastiveLoss(temperature=0.3)
    value, grad = value_and_grad(lambda t: loss(y, t), x)
    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-4, atol=1e-5)


def test_with_all_negatives_kept_gradient_equals_pml():
    # k ≥ number of negatives keeps all of them: PML gradient again.
    y, x = clustered_embeddings(2, 3, 4, seed=6)
    _, expected_grad = pml.value_and_grad(
        pml.losses.NTXentLoss(temperature=0.2), y, x
    )
    loss = kzoo.losses.HardContrastiveLoss(temperature=0.2, k=10)
    _, grad = value_and_grad(lambda t: loss(y, t), x)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-4, atol=1e-5)


def test_paper_fixture():
    # PAPERS_METRIC.md §11: s_pos 0.7, negatives [0.9, 0.5, 0.1, -0.2, 0.3],
    # τ = 0.2 → ordinary 1.4545119, hard (top-2) 1.4076060 (closed form).
    s = np.array([0.7, 0.9, 0.5, 0.1, -0.2, 0.3])
    # Unit vectors with those similarities to the anchor e0 (2-D suffices
    # for the anchor's row; the other rows only add their own terms, so
    # compare the anchor's per-sample value).
    anchor = np.array([1.0, 0.0])
    others = np.stack([s, np.sqrt(1 - s**2)], axis=1)
    x = np.concatenate([anchor[None], others]).astype("float32")
    y = np.array([0, 0, 1, 2, 3, 4, 5], "int32")
    plain = kzoo.losses.HardContrastiveLoss(0.2, reduction="none")(y, x)
    hard = kzoo.losses.HardContrastiveLoss(0.2, k=2, reduction="none")(y, x)
    # Anchor 0's per-anchor value is its pair loss × B / |P| = × 7 / 2.
    np.testing.assert_allclose(np.asarray(plain)[0] / 3.5, 1.4545119, 1e-5)
    np.testing.assert_allclose(np.asarray(hard)[0] / 3.5, 1.4076060, 1e-5)


def test_streaming_and_gathering_options():
    # The options inherited from NTXentLoss are supported, not dropped:
    # gathering on one replica changes nothing, the streamed path equals the
    # dense one without selection, and the streamed path refuses a
    # selection it cannot rank (rather than silently ignoring it).
    y, x = clustered_embeddings(3, 3, 4, seed=5)
    dense = kzoo.losses.HardContrastiveLoss(0.3, k=2, reduction="none")
    gathered = kzoo.losses.HardContrastiveLoss(
        0.3, k=2, gather_across_replicas=True, reduction="none"
    )
    np.testing.assert_allclose(
        np.asarray(gathered(y, x)), np.asarray(dense(y, x)), rtol=1e-6
    )
    plain = kzoo.losses.HardContrastiveLoss(0.3)
    streamed = kzoo.losses.HardContrastiveLoss(0.3, chunk_size=4)
    np.testing.assert_allclose(
        float(streamed(y, x)), float(plain(y, x)), rtol=1e-5
    )
    config = streamed.get_config()
    assert config["chunk_size"] == 4
    assert config["gather_across_replicas"] is False
    with pytest.raises(ValueError, match="chunk_size=4, k=2"):
        kzoo.losses.HardContrastiveLoss(0.3, k=2, chunk_size=4)
    with pytest.raises(ValueError, match="alpha=0.5"):
        kzoo.losses.HardContrastiveLoss(0.3, alpha=0.5, chunk_size=4)
