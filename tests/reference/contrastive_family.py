"""Float64 loop references for kzoo's contrastive family (PairingNet, MEOW /
AdaMEOW, PamC, LVM-Med graph matching, AMCL, DBPM), written from the papers'
formulas as recorded in research/PAPERS_METRIC.md, independently of kzoo's
vectorized code."""

import math

import numpy as np


def normalize(x):
    x = np.asarray(x, dtype=np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def _lse(v):
    v = np.asarray(v, dtype=np.float64)
    m = v.max()
    return m + math.log(np.sum(np.exp(v - m)))


# --- PairingNet -----------------------------------------------------------


def pairing_term(a, b, u, v, tau):
    """Mean over rows of −log Σ_{positives} softmax (official get_mask)."""
    a, b = normalize(a), normalize(b)
    n = len(a)
    out = []
    for i in range(n):
        partners = {v[r] for r in range(n) if u[r] == u[i]}
        logits = [a[i] @ b[j] / tau for j in range(n)]
        lse = _lse(logits)
        pos = [logits[j] for j in range(n) if j == i or v[j] in partners]
        out.append(lse - _lse(pos))
    return np.array(out)


def pairing_net(fs, ft, src, tgt, tau=0.12, lam=0.5):
    st = pairing_term(fs, ft, src, tgt, tau)
    ss = pairing_term(fs, fs, src, src, tau)
    tt = pairing_term(ft, ft, tgt, tgt, tau)
    return st + lam * (ss + tt) / 2


# --- MEOW / AdaMEOW ------------------------------------------------------


def meow_infonce(zc, zf, clusters, tau, include_positive=False):
    """clusters: [M][N] cluster ids. Per-node values."""
    zc, zf = normalize(zc), normalize(zf)
    m = len(clusters)
    n = len(zc)
    out = []
    for i in range(n):
        total = 0.0
        for j in range(n):
            w = m - sum(c[i] == c[j] for c in clusters)
            if include_positive and i == j:
                w = 1.0
            total += w * math.exp(zc[i] @ zf[j] / tau)
        out.append(-zc[i] @ zf[i] / tau + math.log(total))
    return np.array(out)


def proto_nce(z, clusters, centroids, densities, official=True):
    z = normalize(z)
    n = len(z)
    out = np.zeros(n)
    for c, mu, phi in zip(clusters, centroids, densities):
        mu = normalize(mu)
        k = len(mu)
        for i in range(n):
            logits = [z[i] @ mu[j] / phi[j] for j in range(k)]
            val = -logits[c[i]] + _lse(logits)
            if official:
                val += math.log(n / k)
            out[i] += val / len(clusters)
    return out


def adameow(za, zo, kernel, bias, score, score_bias, tau):
    za, zo = normalize(za), normalize(zo)
    n = len(za)
    out = []
    for i in range(n):
        total = 0.0
        for j in range(n):
            h = np.tanh((za[i] + zo[j]) @ kernel + bias)
            w = 1.0 / (1.0 + math.exp(-(h @ score[:, 0] + score_bias[0])))
            total += w * math.exp(za[i] @ zo[j] / tau)
        out.append(-za[i] @ zo[i] / tau + math.log(total))
    return np.array(out)


# --- PamC ----------------------------------------------------------------


def _cos_zero_diag(x):
    xn = normalize(x)
    c = xn @ xn.T
    np.fill_diagonal(c, 0.0)
    return c


def pamc(z, q, adj, tau_mult):
    """Official-convention PamC (τ multiplies); returns the scalar loss."""
    z = np.asarray(z, np.float64)
    adj = np.asarray(adj, np.float64)
    cos = _cos_zero_diag(z)
    n = len(z)
    pos = [
        sum(adj[i][j] * math.exp(tau_mult * cos[i, j]) for j in range(n))
        for i in range(n)
    ]
    hard = np.argmax(q, axis=1)
    ks = sorted(set(hard.tolist()))
    meta = np.stack([z[hard == k].sum(0) for k in ks])
    mc = _cos_zero_diag(meta)
    neg = [np.sum(np.exp(tau_mult * mc[a])) for a in range(len(ks))]
    return -np.mean(np.log(np.array(pos) + 1e-10)) + np.mean(
        np.log(np.array(neg) + 1e-10)
    )


# --- LVM-Med graph matching (Sinkhorn) -----------------------------------


def knn_adjacency(z, k):
    zn = normalize(z)
    s = zn @ zn.T
    n = len(z)
    a = np.zeros((n, n))
    for i in range(n):
        order = [j for j in np.argsort(-s[i], kind="stable") if j != i][:k]
        a[i, order] = 1.0 / k
    return a


def sinkhorn(log_p, iters):
    log_p = np.array(log_p, dtype=np.float64)
    for _ in range(iters):
        for i in range(len(log_p)):
            log_p[i] -= _lse(log_p[i])
        for j in range(log_p.shape[1]):
            log_p[:, j] -= _lse(log_p[:, j])
    for i in range(len(log_p)):
        log_p[i] -= _lse(log_p[i])
    return log_p


def graph_matching(zs, zt, tau, gamma, k, iters):
    c = normalize(zs) @ normalize(zt).T / tau
    if gamma:
        c = c + gamma * knn_adjacency(zs, k) @ c @ knn_adjacency(zt, k).T
    return -np.diag(sinkhorn(c, iters))


# --- AMCL ----------------------------------------------------------------


def amcl(labels, sim, tau, beta, d):
    """sim, tau: [H, B, B]. Scalar loss (head-averaged NT-Xent over all
    positive pairs + β·mean regularizer)."""
    h_count, b, _ = sim.shape
    total = 0.0
    for h in range(h_count):
        logits = sim[h] / tau[h]
        pair_losses = []
        for i in range(b):
            negs = [logits[i, j] for j in range(b) if labels[j] != labels[i]]
            for p in range(b):
                if p != i and labels[p] == labels[i]:
                    if negs:
                        pair_losses.append(
                            math.log1p(math.exp(_lse(negs) - logits[i, p]))
                        )
                    else:
                        pair_losses.append(0.0)
        contrast = np.mean(pair_losses) if pair_losses else 0.0
        reg = []
        for i in range(b):
            for j in range(b):
                if i != j:
                    t = tau[h, i, j]
                    reg.append(d / 2 * math.log(t) + 1 / t)
        total += contrast + beta * (np.mean(reg) if reg else 0.0)
    return total / h_count


# --- DBPM ----------------------------------------------------------------


def dbpm_flags(history, cut_np, cut_fp, code_weighting=False, max_epochs=1):
    """history: [N, E] per-epoch losses. Returns (mu, sigma, flags)."""
    history = np.asarray(history, np.float64)
    if code_weighting:
        scale = (np.arange(history.shape[1]) + 1.0) / max_epochs
        history = history * scale
    m = history.mean(axis=1)
    mu, sigma = m.mean(), m.std()
    flags = np.zeros(len(m))
    flags[m <= mu - cut_np * sigma] = 1
    flags[m >= mu + cut_fp * sigma] = 2
    return mu, sigma, flags
