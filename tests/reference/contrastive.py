"""Float64 loop references for the contrastive-behaviour components (Wang &
Liu 2021; Wang & Isola 2020; SimLAP 2024), written from the papers' formulas
independently of kzoo's vectorized code."""

import math

import numpy as np


def _normalize(x):
    x = np.asarray(x, dtype=np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def hard_contrastive(labels, x, temperature, k=None, alpha=None):
    """Mean over positive pairs of −log softmax against the hardest negatives.

    Hardest = the `k` (or ⌈α·|Nᵢ|⌉) most similar negatives of the anchor.
    """
    s = _normalize(x) @ _normalize(x).T
    n = len(labels)
    terms = []
    for i in range(n):
        negs = sorted(
            (s[i, j] for j in range(n) if labels[j] != labels[i]),
            reverse=True,
        )
        if k is not None:
            negs = negs[:k]
        elif alpha is not None:
            negs = negs[: math.ceil(alpha * len(negs))]
        for p in range(n):
            if p == i or labels[p] != labels[i]:
                continue
            if not negs:
                terms.append(0.0)
                continue
            denom = math.exp(s[i, p] / temperature) + sum(
                math.exp(v / temperature) for v in negs
            )
            terms.append(-(s[i, p] / temperature - math.log(denom)))
    return float(np.mean(terms)) if terms else 0.0


def _upper_pairs(n):
    return [(i, j) for i in range(n) for j in range(i + 1, n)]


def uniformity(x, t=2.0):
    z = _normalize(x)
    vals = [
        math.exp(-t * np.sum((z[i] - z[j]) ** 2))
        for i, j in _upper_pairs(len(z))
    ]
    return math.log(np.mean(vals))


def alignment(labels, x, alpha=2.0):
    z = _normalize(x)
    vals = [
        np.linalg.norm(z[i] - z[j]) ** alpha
        for i, j in _upper_pairs(len(z))
        if labels[i] == labels[j]
    ]
    return float(np.mean(vals)) if vals else 0.0


def tolerance(labels, x, mode):
    z = _normalize(x)
    pairs = _upper_pairs(len(z))
    same = [float(z[i] @ z[j]) for i, j in pairs if labels[i] == labels[j]]
    if mode == "same_class_mean":
        return float(np.mean(same)) if same else 0.0
    return sum(same) / len(pairs)


def multi_positive_info_nce(pairs, logits, temperature, normalize):
    """SimLAP loss, both official normalizations (see PAPERS_METRIC §6)."""
    logits = np.asarray(logits, dtype=np.float64) / temperature
    y1, y2 = pairs[:, 0], pairs[:, 1]
    n = len(y1)
    per_anchor, total, count = [], 0.0, 0
    for i in range(n):
        negs = [
            logits[i, k] for k in range(n) if y1[k] != y1[i] and y1[k] != y2[i]
        ]
        row = []
        for j in range(n):
            if y1[j] != y2[i]:
                continue
            terms = [logits[i, j]] + negs
            m = max(terms)
            lse = m + math.log(sum(math.exp(v - m) for v in terms))
            row.append(lse - logits[i, j])
        per_anchor.append(sum(row) / (len(row) + 1e-6))
        total += sum(row)
        count += len(row)
    if normalize == "per_anchor":
        return float(np.mean(per_anchor))
    return total / count if count else 0.0
