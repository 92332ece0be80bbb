import numpy as np
import pytest
import torch
from diffsort import DiffSortNet

import kzoo
from kzoo.losses.contrastive_learning.groco_loss import groco_sort_loss
from kzoo.testing import EmbeddingLossChecklist
from kzoo.testing import value_and_grad


class TestGroCoLoss(EmbeddingLossChecklist):
    loss_class = kzoo.losses.GroCoLoss
    default_kwargs = {"topk_neg": 2}
    # With stop_gradient the analytic gradient is deliberately partial.
    fd_kwargs = {"stop_gradient": False}
    bad_kwargs = [
        ({"topk_neg": 0}, r"Received: topk_neg=0"),
        ({"topk_neg": 2.5}, r"Received: topk_neg=2.5"),
        ({"num_positives": 0}, r"Received: num_positives=0"),
        ({"steepness": -1.0}, r"Received: steepness=-1.0"),
        ({"network": "merge"}, r"Received: network='merge'"),
        ({"distribution": "beta"}, r"Received: distribution='beta'"),
        ({"stop_gradient": 1}, r"Received: stop_gradient=1"),
    ]


def _torch_groco(labels, x, k, m, steepness, network, distribution):
    """The official GroCo recipe in torch with diffsort 0.2.0 (float64).

    Candidates are chosen in NumPy (K most similar other-label rows,
    m least similar same-label rows); the sort, the relaxed permutation
    (diffsort's x @ P convention) and torch.nn.BCELoss follow
    ninatu/learning_by_sorting `losses/groco.py` as summarised in
    PAPERS_METRIC.md §8; candidates are detached (stop-gradient).
    """
    t = torch.tensor(np.asarray(x, np.float64), requires_grad=True)
    z = torch.nn.functional.normalize(t, dim=1)
    sims = z @ z.detach().T
    s = sims.detach().numpy()
    n = len(labels)
    sorter = DiffSortNet(
        network, k + m, steepness=steepness, distribution=distribution
    )
    bce = torch.nn.BCELoss()
    losses = []
    for i in range(n):
        negs = [j for j in range(n) if labels[j] != labels[i]]
        poss = [j for j in range(n) if j != i and labels[j] == labels[i]]
        if len(negs) < k or len(poss) < m:
            continue
        negs = sorted(negs, key=lambda j: -s[i, j])[:k][::-1]
        poss = sorted(poss, key=lambda j: s[i, j])[:m]
        row = sims[i, negs + poss][None]
        _, perm = sorter(row)
        p_top = perm[:, :, k:].sum(-1).clamp(0, 1)
        p_bottom = perm[:, :, :k].sum(-1).clamp(0, 1)
        target = torch.tensor([[0.0] * k + [1.0] * m], dtype=torch.float64)
        losses.append(0.5 * (bce(p_top, target) + bce(p_bottom, 1 - target)))
    value = torch.stack(losses).mean()
    value.backward()
    return float(value.detach()), t.grad.numpy()


def _views(seed, n=5, dim=6, views=2):
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, dim))
    x = np.concatenate(
        [base + 0.4 * rng.normal(size=base.shape) for _ in range(views)]
    )
    return np.tile(np.arange(n), views).astype("int32"), x.astype("float32")


@pytest.mark.parametrize(
    "k,m,views,network,distribution,steepness",
    [
        (3, 1, 2, "odd_even", "cauchy", 1.0),
        (4, 2, 3, "bitonic", "logistic", 2.0),
        (6, 1, 2, "odd_even", "reciprocal", 5.0),
    ],
)
def test_matches_torch_diffsort_reference(
    k, m, views, network, distribution, steepness
):
    y, x = _views(k, views=views)
    expected, expected_grad = _torch_groco(
        y, x, k, m, steepness, network, distribution
    )
    loss = kzoo.losses.GroCoLoss(
        topk_neg=k,
        num_positives=m,
        steepness=steepness,
        network=network,
        distribution=distribution,
    )
    value, grad = value_and_grad(lambda t: loss(y, t), x)
    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-4, atol=1e-5)


def test_paper_fixture():
    # PAPERS_METRIC.md §8: positive 0.6, negatives [0.9, 0.2, 0.5], topk 3,
    # odd-even Cauchy, steepness 1 (official code + diffsort): 0.4286143.
    x = np.array([[0.2, 0.5, 0.9, 0.6]], "float32")
    value = float(np.asarray(groco_sort_loss(x, 3))[0])
    np.testing.assert_allclose(value, 0.4286143, rtol=1e-6)


def test_anchors_without_enough_candidates_are_left_out():
    y, x = _views(1, n=4)
    y = y.copy()
    y[0] = 7  # rows 0 and 4 (the two views of image 0) lose their positive
    per = np.asarray(kzoo.losses.groco(y, x, topk_neg=3))
    assert np.all(per[[0, 4]] == 0.0) and np.all(per[[1, 2, 3, 5, 6, 7]] != 0)
    full = kzoo.losses.GroCoLoss(topk_neg=3)(y, x)
    np.testing.assert_allclose(float(full), per.mean(), rtol=1e-6)
    # Without stop-gradient the candidates get gradient too.
    loss = kzoo.losses.GroCoLoss(topk_neg=3, stop_gradient=False)
    _, g = value_and_grad(lambda t: loss(y, t), x)
    assert np.all(np.isfinite(g))
