"""Float64 loop references for kzoo's metric-learning losses, written from the
papers' formulas (and, where a library convention is matched, from that
library's documented reduction), independently of kzoo's vectorized code."""

import math

import numpy as np

# The shared fixture of PAPERS_METRIC.md §0.4 (6 embeddings, 3 classes).
X6 = np.array(
    [
        [1.0, 0.2, 0.0],
        [0.9, 0.3, 0.1],
        [0.1, 1.0, 0.2],
        [0.0, 0.8, 0.4],
        [0.2, 0.1, 1.0],
        [0.5, 0.5, 0.5],
    ],
    dtype="float32",
)
Y6 = np.array([0, 0, 1, 1, 2, 2])


def _normalize(x):
    x = np.asarray(x, dtype=np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def cosine_matrix(x):
    xn = _normalize(x)
    return xn @ xn.T


def euclidean_matrix(x, normalize=True):
    xn = _normalize(x) if normalize else np.asarray(x, dtype=np.float64)
    n = len(xn)
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            out[i, j] = math.sqrt(np.sum((xn[i] - xn[j]) ** 2))
    return out


def _pairs(labels):
    n = len(labels)
    pos = [
        [j for j in range(n) if j != i and labels[j] == labels[i]]
        for i in range(n)
    ]
    neg = [[j for j in range(n) if labels[j] != labels[i]] for i in range(n)]
    return pos, neg


def _log1p_sum_exp(values):
    if not values:
        return 0.0
    return math.log(1.0 + sum(math.exp(v) for v in values))


def multi_similarity(
    labels, x, alpha=2.0, beta=50.0, base=0.5, epsilon=0.1, official=False
):
    """Per-anchor multi-similarity loss (Wang et al. 2019, eq. of §3.3 with the
    mining of §3.2) on cosine similarities.

    official=False: pytorch-metric-learning's convention (self excluded by
    index; an anchor keeps whichever mined term is non-empty).
    official=True: the authors' code (positives with S >= 1 - 1e-5 dropped; an
    anchor with an empty mined set contributes 0).
    """
    s = cosine_matrix(x)
    pos, neg = _pairs(labels)
    out = []
    for i in range(len(labels)):
        p = [j for j in pos[i] if not official or s[i, j] < 1 - 1e-5]
        n = list(neg[i])
        if epsilon is not None:
            min_p = min((s[i, j] for j in p), default=math.inf)
            max_n = max((s[i, j] for j in n), default=-math.inf)
            n_kept = [j for j in n if s[i, j] + epsilon > min_p]
            p_kept = [j for j in p if s[i, j] - epsilon < max_n]
        else:
            p_kept, n_kept = p, n
        if official and (not p_kept or not n_kept):
            out.append(0.0)
            continue
        lp = _log1p_sum_exp([-alpha * (s[i, j] - base) for j in p_kept]) / alpha
        ln = _log1p_sum_exp([beta * (s[i, j] - base) for j in n_kept]) / beta
        out.append(lp + ln)
    return np.array(out)


def ntxent(labels, x, temperature=0.07):
    """Mean over positive pairs of −log softmax of the positive among the
    anchor's negatives (cosine similarity / temperature)."""
    s = cosine_matrix(x) / temperature
    pos, neg = _pairs(labels)
    losses = []
    for i in range(len(labels)):
        for p in pos[i]:
            terms = [s[i, p]] + [s[i, n] for n in neg[i]]
            m = max(terms)
            lse = m + math.log(sum(math.exp(t - m) for t in terms))
            losses.append(lse - s[i, p])
    return float(np.mean(losses)) if losses else 0.0


def _avg(values, nonzero):
    vals = [v for v in values if (v > 0 or not nonzero)]
    return float(np.mean(vals)) if vals else 0.0


def contrastive(labels, x, pos_margin=0.0, neg_margin=1.0, avg_nonzero=True):
    """Σ over positive pairs of max(0, d − m₊) averaged, plus Σ over negative
    pairs of max(0, m₋ − d) averaged; d Euclidean on normalized embeddings."""
    d = euclidean_matrix(x)
    pos, neg = _pairs(labels)
    lp = [
        max(0.0, d[i, j] - pos_margin)
        for i in range(len(labels))
        for j in pos[i]
    ]
    ln = [
        max(0.0, neg_margin - d[i, j])
        for i in range(len(labels))
        for j in neg[i]
    ]
    return _avg(lp, avg_nonzero) + _avg(ln, avg_nonzero)


def triplet_margin(
    labels, x, margin=0.05, swap=False, smooth_loss=False, avg_nonzero=True
):
    """Average over all triplets (a, p, n) of max(0, d_ap − d_an + margin)."""
    d = euclidean_matrix(x)
    pos, neg = _pairs(labels)
    losses = []
    for a in range(len(labels)):
        for p in pos[a]:
            for n in neg[a]:
                an = min(d[a, n], d[p, n]) if swap else d[a, n]
                v = d[a, p] - an + margin
                losses.append(
                    math.log1p(math.exp(v)) if smooth_loss else max(0.0, v)
                )
    return _avg(losses, avg_nonzero)


def z_loss(labels, logits, a=1.0, b=3.0, epsilon=1e-6):
    """(1/a) softplus(a (b − z_c)) with population-standardized logits."""
    out = []
    for c, o in zip(labels, np.asarray(logits, dtype=np.float64)):
        mu = o.mean()
        sigma = math.sqrt(((o - mu) ** 2).mean() + epsilon)
        z = (o[c] - mu) / sigma
        t = a * (b - z)
        out.append((max(t, 0.0) + math.log1p(math.exp(-abs(t)))) / a)
    return np.array(out)
