"""float64 NumPy references for the few-shot losses, written from the maths
of PAPERS_METRIC.md §4 (official `modified_score` / `proto_triplet_loss`),
with the self-exclusion fix: a point's own entry is excluded only when the
origin and target sets coincide."""

import numpy as np


def dist(a, b):
    return np.sqrt(((a[:, None, :] - b[None]) ** 2).sum(-1) + 1e-6)


def proto_triplet(support, ys, query, yq, way, margin=0.5):
    protos = np.stack([support[ys == k].mean(0) for k in range(way)])
    d = dist(query, protos)
    pos = d[np.arange(len(yq)), yq]
    d_other = d.copy()
    d_other[np.arange(len(yq)), yq] = np.inf
    return np.maximum(pos - d_other.min(1) + margin, 0).mean()


def icnn_score(x, y, t, yt, k=4, ipc=None, same=True):
    eps = 1e-7
    m = len(t)
    k = m - 2 if k + 2 >= m else k
    ipc = k + 1 if ipc is None else ipc
    d = dist(x, t)
    if same:
        np.fill_diagonal(d, np.inf)
    nb = np.argsort(d, axis=1, kind="stable")[:, :ipc]
    dd = np.take_along_axis(d, nb, 1)
    sc = (y[:, None] == yt[nb]).astype(float)
    dc = 1 - sc
    nn_dc = np.where(dc > 0, dd, np.inf).min(1)
    nd = dd[:, :k] / (nn_dc[:, None] + eps)
    nd = nd / np.maximum(nd.max(1, keepdims=True), 1.0)
    sck, dck = sc[:, :k], dc[:, :k]
    scc = sck.sum(1)
    sclamb = 1 - ((nd * sck).sum(1) / (scc + eps)).sum() / (
        np.count_nonzero(scc) + eps
    )
    dcd = (dd * dc)[:, :k]
    dcd = dcd / (dcd.max() + eps)
    dcop = -1 if np.all(dck == 0) else 0
    dcc = dck.sum(1)
    dclamb = abs(
        (dcd.sum(1) / (dcc + eps)).sum() / (np.count_nonzero(dcc) + eps) + dcop
    )
    gamma = (sck.sum(1) / k).mean() if k + 2 < m else 1.0
    return ((sclamb + dclamb) / 2 + gamma) / 2
