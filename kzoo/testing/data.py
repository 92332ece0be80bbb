"""Small deterministic inputs for tests."""

import numpy as np


def clustered_embeddings(
    num_classes=3, per_class=3, dim=5, spread=0.6, seed=0, dtype="float32"
):
    """Labels and embeddings drawn around one random center per class.

    Args:
        num_classes: number of classes. Defaults to `3`.
        per_class: samples per class. Defaults to `3`.
        dim: embedding dimension. Defaults to `5`.
        spread: noise scale relative to the unit-norm centers. Defaults to
            `0.6`.
        seed: NumPy seed. Defaults to `0`.
        dtype: embedding dtype. Defaults to `"float32"`.

    Returns:
        `(labels, embeddings)`: int32 `[N]` and `[N, dim]`, shuffled.
    """
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(num_classes, dim))
    centers /= np.linalg.norm(centers, axis=1, keepdims=True)
    labels = np.repeat(np.arange(num_classes), per_class)
    emb = centers[labels] + spread * rng.normal(size=(labels.size, dim))
    order = rng.permutation(labels.size)
    return labels[order].astype("int32"), emb[order].astype(dtype)
