"""Verification protocol: 10-fold accuracy, TAR at FAR, ROC."""

import numpy as np

from kzoo.api_export import kzoo_export


def _best_threshold(similarity, same):
    """The threshold maximizing accuracy (ties: the lowest such)."""
    order = np.argsort(-similarity, kind="stable")
    s, y = similarity[order], same[order].astype("float64")
    # Predict "same" for the top k pairs, k = 0..P.
    tp = np.concatenate([[0.0], np.cumsum(y)])
    fp = np.concatenate([[0.0], np.cumsum(1 - y)])
    tn = (1 - y).sum() - fp
    acc = (tp + tn) / len(y)
    k = int(np.argmax(acc))
    if k == 0:
        return s[0] + 1e-6
    if k == len(s):
        return s[-1]
    return 0.5 * (s[k - 1] + s[k])


@kzoo_export("kzoo.applications.face.kfold_accuracy")
def kfold_accuracy(similarity, same, fold):
    """The standard LFW 10-fold verification accuracy.

    For each fold, the threshold maximizing accuracy on the other folds is
    applied to that fold.

    Args:
        similarity: float `[P]` pair similarities (higher = more alike).
        same: bool `[P]` ground truth.
        fold: int `[P]` fold index of each pair.

    Returns:
        A dict: `accuracy` (mean over folds), `std`, `threshold` (mean of the
        chosen thresholds), `fold_accuracies`.
    """
    similarity = np.asarray(similarity, "float64")
    same = np.asarray(same, bool)
    fold = np.asarray(fold)
    accs, thresholds = [], []
    for k in np.unique(fold):
        test = fold == k
        t = _best_threshold(similarity[~test], same[~test])
        accs.append(np.mean((similarity[test] >= t) == same[test]))
        thresholds.append(t)
    return {
        "accuracy": float(np.mean(accs)),
        "std": float(np.std(accs)),
        "threshold": float(np.mean(thresholds)),
        "fold_accuracies": [float(a) for a in accs],
    }


@kzoo_export("kzoo.applications.face.tar_at_far")
def tar_at_far(similarity, same, far=1e-3):
    """True-accept rate at the threshold where the false-accept rate is at
    most `far` (the smallest such threshold among impostor scores).

    Returns:
        `(tar, threshold)`.
    """
    similarity = np.asarray(similarity, "float64")
    same = np.asarray(same, bool)
    impostor = np.sort(similarity[~same])[::-1]
    if len(impostor) == 0 or not same.any():
        raise ValueError("`same` must contain both genuine and impostor pairs.")
    allowed = int(np.floor(far * len(impostor)))
    # Accept scores strictly above the (allowed+1)-th highest impostor.
    threshold = np.nextafter(impostor[min(allowed, len(impostor) - 1)], np.inf)
    tar = float(np.mean(similarity[same] >= threshold))
    return tar, float(threshold)


@kzoo_export("kzoo.applications.face.evaluate_verification")
def evaluate_verification(
    embed, images, pairs, far=1e-3, roc_path=None, label=None
):
    """Verification accuracy, TAR@FAR and ROC of an embedding function.

    Args:
        embed: a callable mapping `[N, H, W, 3]` images to unit-norm
            embeddings (`FaceEmbedder.embed`, or a TFLite model).
        images: the images the pairs index.
        pairs: `{"left", "right", "same", "fold"}` (see `make_pairs`).
        far: false-accept rate for TAR. Defaults to `1e-3`.
        roc_path: write the ROC curve to this PNG. Defaults to `None`.
        label: legend label of the curve.

    Returns:
        A dict: `accuracy`, `std`, `threshold` (10-fold), `tar`,
        `tar_threshold`, `far`, `auc`, `pairs`.
    """
    from kzoo.evaluation import plot_roc_curve
    from kzoo.evaluation import roc_auc
    from kzoo.evaluation import roc_curve

    used = np.unique(np.concatenate([pairs["left"], pairs["right"]]))
    emb_used = np.asarray(embed(np.asarray(images)[used]), "float32")
    emb = np.zeros((len(images), emb_used.shape[1]), "float32")
    emb[used] = emb_used
    similarity = np.sum(emb[pairs["left"]] * emb[pairs["right"]], axis=1)
    result = kfold_accuracy(similarity, pairs["same"], pairs["fold"])
    tar, tar_threshold = tar_at_far(similarity, pairs["same"], far)
    result.update(
        tar=tar,
        tar_threshold=tar_threshold,
        far=far,
        auc=roc_auc(pairs["same"], similarity),
        pairs=int(len(similarity)),
    )
    if roc_path is not None:
        fpr, tpr, _ = roc_curve(pairs["same"], similarity)
        plot_roc_curve({label or "model": (fpr, tpr)}, roc_path)
    return result
