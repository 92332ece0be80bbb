"""Float64 NumPy references for the Hyp-OC components, written from the
formulas of Ganea et al. (2018) and Narayan & Patel (2024)."""

import numpy as np


def mobius_add(x, y, c):
    xy = np.sum(x * y, -1, keepdims=True)
    x2 = np.sum(x * x, -1, keepdims=True)
    y2 = np.sum(y * y, -1, keepdims=True)
    num = (1 + 2 * c * xy + c * y2) * x + (1 - c * x2) * y
    return num / (1 + 2 * c * xy + c * c * x2 * y2)


def expmap0(v, c):
    r = np.sqrt(c) * np.linalg.norm(v, axis=-1, keepdims=True)
    safe = np.where(r > 0, r, 1.0)
    return v * np.where(r > 0, np.tanh(safe) / safe, 1.0)


def project(x, c, eps=1e-3):
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    m = (1 - eps) / np.sqrt(c)
    return np.where(n > m, x / np.maximum(n, 1e-15) * m, x)


def to_poincare(x, c, clip_radius=None):
    if clip_radius is not None:
        n = np.linalg.norm(x, axis=-1, keepdims=True)
        x = x * np.minimum(1.0, clip_radius / np.maximum(n, 1e-15))
    return project(expmap0(x, c), c)


def mlr_logits(z, kernel, offset, c):
    """logit_k = (λ_p‖a‖/√c)·asinh(2√c⟨w, a⟩/((1 − c‖w‖²)‖a‖)),
    p = expmap0(P), a = A·(1 − c‖p‖²), w = (−p) ⊕ z."""
    p = expmap0(offset, c)
    a = kernel * (1 - c * np.sum(p * p, -1, keepdims=True))
    out = np.zeros((z.shape[0], p.shape[0]))
    for k in range(p.shape[0]):
        w = mobius_add(-p[k][None], z, c)
        an = np.linalg.norm(a[k])
        lam = 2 / (1 - c * p[k] @ p[k])
        arg = 2 * np.sqrt(c) * (w @ a[k]) / ((1 - c * np.sum(w * w, -1)) * an)
        out[:, k] = lam * an / np.sqrt(c) * np.arcsinh(arg)
    return out


def hyp_pc(z, c, distance="artanh"):
    """(1/R) Σ_i d(z_i, z_{i+R/2}) over the R rows of z."""
    n = z.shape[0]
    h = n // 2
    m = np.linalg.norm(mobius_add(-z[:h], z[h : 2 * h], c), axis=-1)
    f = np.arctanh if distance == "artanh" else np.arctan
    return float(np.sum(2 / np.sqrt(c) * f(np.sqrt(c) * m)) / n)
