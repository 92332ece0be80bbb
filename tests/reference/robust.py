"""Float64 NumPy references, written from the papers' formulas, for the
aggregate-response, naive Bayes, CS-IB and distillation components."""

import numpy as np


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# -- Learning from aggregate responses (Javanmard et al., 2024) -------------


def bag_losses(response, bag_id, pred):
    """(L_bag, L_inst, R) by explicit loops over bags, squared error."""
    response, pred = np.asarray(response, float), np.asarray(pred, float)
    bags = [b for b in np.unique(bag_id) if b >= 0]
    bag_terms, inst_terms, var_terms = [], [], []
    for b in bags:
        idx = np.where(bag_id == b)[0]
        ybar, fbar = response[idx].mean(), pred[idx].mean()
        bag_terms.append((ybar - fbar) ** 2)
        inst_terms.extend((ybar - pred[idx]) ** 2)
        var_terms.extend((pred[idx] - fbar) ** 2)
    return np.mean(bag_terms), np.mean(inst_terms), np.mean(var_terms)


def bag_bce(response, bag_id, prob):
    """(L_bag, L_inst) with binary cross-entropy on probabilities."""

    def bce(t, p):
        return -(t * np.log(p) + (1 - t) * np.log(1 - p))

    bags = [b for b in np.unique(bag_id) if b >= 0]
    bag_terms, inst_terms = [], []
    for b in bags:
        idx = np.where(bag_id == b)[0]
        ybar = np.mean(response[idx])
        bag_terms.append(bce(ybar, np.mean(prob[idx])))
        inst_terms.extend(bce(ybar, prob[idx]))
    return np.mean(bag_terms), np.mean(inst_terms)


# -- Gaussian naive Bayes, shared diagonal variance (Zheng et al., 2023) ----


def gaussian_nb_logits(features, labels, num_classes, test, epsilon=1e-9):
    """Full joint log-likelihood log π_k + log N(x; μ_k, diag σ²)."""
    x = np.asarray(features, float)
    n, d = x.shape
    mus = np.stack([x[labels == k].mean(0) for k in range(num_classes)])
    counts = np.array([np.sum(labels == k) for k in range(num_classes)])
    prior = counts / n
    per_class = np.stack([x[labels == k].var(0) for k in range(num_classes)])
    var = (prior[:, None] * (per_class + epsilon)).sum(0)
    test = np.asarray(test, float)
    out = np.zeros((len(test), num_classes))
    for k in range(num_classes):
        out[:, k] = np.log(prior[k]) - 0.5 * np.sum(
            (test - mus[k]) ** 2 / var + np.log(2 * np.pi * var), axis=1
        )
    return out, var


# -- CS divergence information bottleneck (Yu et al., 2024) -----------------


def _gram(a, b, sigma):
    a, b = np.asarray(a, float), np.asarray(b, float)
    sq = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
    return np.exp(-sq / (2 * sigma**2))


def conditional_cs_divergence(x, y, y_hat, sigma=1.0, square_of_sum=False):
    """Prop. 1 with explicit double loops; d_j = Σ_i K_ji² (official)."""
    k = _gram(x, x, sigma)
    n = len(k)
    d = (k.sum(1) ** 2) if square_of_sum else (k**2).sum(1)

    def term(a, b):
        g = _gram(a, b, sigma)
        total = 0.0
        for j in range(n):
            total += sum(k[j, i] * g[j, i] for i in range(n)) / d[j]
        return total

    return (
        np.log2(term(y, y))
        + np.log2(term(y_hat, y_hat))
        - 2 * np.log2(term(y_hat, y))
    )


def cs_qmi(x, t, sigma=1.0, normalized=True):
    """Prop. 2; the normalized form divides by sqrt(I(x;x) I(t;t))."""

    def qmi(a, b):
        ka, kb = _gram(a, a, sigma), _gram(b, b, sigma)
        n = len(ka)
        joint = np.trace(ka @ kb.T) / n**2
        marg = ka.sum() * kb.sum() / n**4
        cross = np.ones(n) @ ka.T @ kb @ np.ones(n) / n**3
        return np.log2(joint) + np.log2(marg) - 2 * np.log2(cross)

    value = qmi(x, t)
    if normalized:
        value = value / (np.sqrt(qmi(x, x)) * np.sqrt(qmi(t, t)))
    return value


# -- Dual-Head KD (Yang et al., 2024) ---------------------------------------


def binary_kl(teacher, student, temperature=2.0):
    """Per sample T² Σ_k KL(Bern(σ(t/T)) ‖ Bern(σ(s/T)))."""
    p = _sigmoid(np.asarray(teacher, float) / temperature)
    q = _sigmoid(np.asarray(student, float) / temperature)
    kl = p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))
    return temperature**2 * kl.sum(-1)


def binary_kl_norm(teacher, student, temperature=2.0):
    """Per sample T² Σ_k KL(Bern(1/2) ‖ Bern(σ((s − t)/T)))."""
    q = _sigmoid((np.asarray(student, float) - teacher) / temperature)
    kl = 0.5 * np.log(0.5 / q) + 0.5 * np.log(0.5 / (1 - q))
    return temperature**2 * kl.sum(-1)


# -- Landmark KD-Loss (Fard & Mahoor, 2022) ---------------------------------


def assistive(pred, gt, teacher, alpha, alpha_neg):
    """Per-coordinate weighted distance, elementwise loops."""
    out = np.zeros_like(np.asarray(pred, float))
    for idx in np.ndindex(out.shape):
        p, g, t = pred[idx], gt[idx], teacher[idx]
        s = np.sign(p - g)
        refl = g + s * abs(t - g)
        band = g + s * abs(t - g) * 0.15
        w = 0.0
        if np.sign(p - refl) * np.sign(refl - g) > 0:
            w += alpha
        if np.sign(refl - p) * np.sign(p - band) >= 0:
            w += alpha_neg
        out[idx] = w * abs(refl - p)
    return out


def kd_landmark(
    pred,
    gt,
    tough,
    tol,
    a_tou=1.9,
    an_tou=-0.45,
    a_tol=1.8,
    an_tol=-0.4,
    w_main=2.0,
    w_tou=1.0,
    w_tol=1.0,
):
    """Per-sample KD-Loss (mean over coordinates)."""
    err, terr = np.abs(gt - pred), np.abs(gt - tol)
    main = np.where(err <= terr, 3 * err, err**2 + 3 * terr - terr**2)
    per = (
        w_main * main
        + w_tou * assistive(pred, gt, tough, a_tou, an_tou)
        + w_tol * assistive(pred, gt, tol, a_tol, an_tol)
    )
    return per.mean(-1)
