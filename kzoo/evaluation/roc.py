"""Exact ROC curves of pooled scores, and a PNG plot helper (offline)."""

import keras
import numpy as np

from kzoo.api_export import kzoo_export


def _np(x):
    if isinstance(x, np.ndarray):
        return x
    return np.asarray(keras.ops.convert_to_numpy(x))


@kzoo_export("kzoo.evaluation.roc_curve")
def roc_curve(relevance, scores, sample_weight=None):
    """Exact ROC curve of pooled scores (offline, NumPy).

    Every cell is one sample: `relevance` 1 marks a positive. The curve has
    one point per distinct score, from the highest threshold down, preceded
    by `(0, 0)` at threshold `+inf` — the same points as scikit-learn's
    `roc_curve(..., drop_intermediate=False)`.

    Formula:

    ```
    TPR(t) = Σ w·1[s ≥ t, r = 1] / Σ w·1[r = 1]
    FPR(t) = Σ w·1[s ≥ t, r = 0] / Σ w·1[r = 0]
    AUC = trapezoid(TPR, FPR)           (`roc_auc`; ties count ½)
    ```

    Args:
        relevance: 0/1 array of any shape (NumPy array or backend tensor).
        scores: array of the same shape; higher means more relevant.
        sample_weight: optional weights broadcastable to `scores`. Defaults
            to `None`.

    Returns:
        `(fpr, tpr, thresholds)`, float64 arrays.

    Example:

    ```python
    fpr, tpr, thr = kzoo.evaluation.roc_curve(relevance, scores)
    kzoo.evaluation.plot_roc_curve({"model": (fpr, tpr)}, "roc.png")
    ```
    """
    rel = _np(relevance).reshape(-1) > 0.5
    s = _np(scores).astype("float64").reshape(-1)
    if rel.size != s.size:
        raise ValueError(
            "`relevance` and `scores` must have the same size. Received: "
            f"relevance.size={rel.size}, scores.size={s.size}"
        )
    if sample_weight is None:
        w = np.ones_like(s)
    else:
        shape = _np(scores).shape
        w = _np(sample_weight).astype("float64")
        if w.ndim == 1 and len(shape) == 2:
            w = w[:, None]  # one weight per query row
        w = np.broadcast_to(w, shape).reshape(-1)
    if not rel.any() or rel.all():
        raise ValueError(
            "The ROC curve needs both positive and negative cells. Received: "
            f"{int(rel.sum())} positives out of {rel.size} cells"
        )
    order = np.argsort(-s, kind="stable")
    s, rel, w = s[order], rel[order], w[order]
    tp = np.cumsum(w * rel)
    fp = np.cumsum(w * ~rel)
    last = np.r_[np.nonzero(np.diff(s))[0], s.size - 1]
    tpr = np.r_[0.0, tp[last] / tp[-1]]
    fpr = np.r_[0.0, fp[last] / fp[-1]]
    thresholds = np.r_[np.inf, s[last]]
    return fpr, tpr, thresholds


@kzoo_export("kzoo.evaluation.roc_auc")
def roc_auc(relevance, scores, sample_weight=None):
    """Exact area under the pooled ROC curve (see `roc_curve`).

    Args:
        relevance: 0/1 array of any shape.
        scores: array of the same shape.
        sample_weight: optional weights. Defaults to `None`.

    Returns:
        A float in [0, 1]; ties count one half.

    Example:

    ```python
    auc = kzoo.evaluation.roc_auc(relevance, scores)
    ```
    """
    fpr, tpr, _ = roc_curve(relevance, scores, sample_weight)
    return float(np.trapezoid(tpr, fpr))


@kzoo_export("kzoo.evaluation.plot_roc_curve")
def plot_roc_curve(curves, path, title=None):
    """Write ROC curves to a PNG file (matplotlib, Agg backend, lazy import).

    Args:
        curves: `{label: (fpr, tpr)}` (for example from `roc_curve`), or a
            single `(fpr, tpr)` pair.
        path: the output file (`.png`).
        title: optional figure title. Defaults to `None`.

    Returns:
        `path`.

    Example:

    ```python
    fpr, tpr, _ = kzoo.evaluation.roc_curve(relevance, scores)
    kzoo.evaluation.plot_roc_curve({"MW": (fpr, tpr)}, "roc.png")
    ```
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    if not isinstance(curves, dict):
        curves = {None: curves}
    fig = Figure(figsize=(4.5, 4.5))
    ax = fig.add_subplot(1, 1, 1)
    for label, (fpr, tpr) in curves.items():
        auc = float(np.trapezoid(_np(tpr), _np(fpr)))
        name = f"AUC = {auc:.4f}" if label is None else f"{label} ({auc:.4f})"
        ax.plot(_np(fpr), _np(tpr), label=name)
    ax.plot([0, 1], [0, 1], linestyle=":", color="grey")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.legend(loc="lower right")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path
