"""Float64 NumPy references for kzoo's classification losses, written from the
papers' formulas (PAPERS_OTHER.md §1–4, §11), independently of kzoo's code."""

import math

import numpy as np


def _softmax(h):
    h = np.asarray(h, dtype=np.float64)
    e = np.exp(h - h.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def comp_sum(y, h, tau):
    """Φ^τ(u) with u = Σ_{y'≠y} exp(h_{y'} − h_y), row by row."""
    h = np.asarray(h, dtype=np.float64)
    out = []
    for row, label in zip(h, y):
        u = sum(
            math.exp(row[k] - row[label]) for k in range(len(row)) if k != label
        )
        if tau == 1.0:
            out.append(math.log1p(u))
        else:
            out.append(((1.0 + u) ** (1.0 - tau) - 1.0) / (1.0 - tau))
    return np.array(out)


def gce(y, h, q):
    p = _softmax(h)[np.arange(len(y)), y]
    return (1.0 - p**q) / q


def cross_entropy(y, h):
    return -np.log(_softmax(h)[np.arange(len(y)), y])


def ldr_kl(y, f, margin, lam):
    """λ·log((1/K) Σ_k exp((f_k − f_y + c·[k≠y])/λ)), by an explicit loop."""
    f = np.asarray(f, dtype=np.float64)
    k = f.shape[1]
    out = []
    for row, label in zip(f, y):
        terms = [
            math.exp((row[j] - row[label] + margin * (j != label)) / lam)
            for j in range(k)
        ]
        out.append(lam * math.log(sum(terms) / k))
    return np.array(out)


def any_loss(y, p, metric, beta=1.0, amplifier=73.0, s=1e-5):
    """1 − metric on the amplified soft confusion matrix (kzoo's choices)."""
    y = np.asarray(y, dtype=np.float64)
    a = 1.0 / (1.0 + np.exp(-amplifier * (np.asarray(p, np.float64) - 0.5)))
    n, y1 = len(y), y.sum()
    y0 = n - y1
    tp = (y * a).sum()
    tn = y0 - a.sum() + tp
    if metric == "accuracy":
        return 1.0 - (tp + tn) / n
    if metric in ("f1", "fbeta"):
        return 1.0 - (1 + beta**2) * tp / (beta**2 * y1 + a.sum() + s)
    tpr, tnr = tp / (y1 + s), tn / (y0 + s)
    if metric == "balanced_accuracy":
        return 1.0 - 0.5 * (tpr + tnr)
    return 1.0 - math.sqrt(tpr * tnr + s)


def dpo(logps, beta, label_smoothing=0.0):
    logps = np.asarray(logps, dtype=np.float64)
    delta = (logps[:, 0] - logps[:, 2]) - (logps[:, 1] - logps[:, 3])
    x = beta * delta
    return (1 - label_smoothing) * np.log1p(np.exp(-x)) + (
        label_smoothing * np.log1p(np.exp(x))
    )
