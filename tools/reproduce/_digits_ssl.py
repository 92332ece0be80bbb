"""Shared pieces of the digits self-supervised reproductions: data, two-view
augmentation, a small MLP encoder, and kNN / linear-probe evaluation."""

import keras
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier


def digits(seed=0):
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype("float32")
    return train_test_split(x, y, test_size=0.3, random_state=seed, stratify=y)


def augment(x, rng):
    """Random ±1-pixel shift, 15 % pixel dropout and Gaussian noise."""
    imgs = x.reshape(-1, 8, 8)
    out = np.zeros_like(imgs)
    for i, img in enumerate(imgs):
        dy, dx = rng.integers(-1, 2, size=2)
        out[i] = np.roll(np.roll(img, dy, axis=0), dx, axis=1)
    out *= rng.random(out.shape) > 0.15
    out += 0.1 * rng.normal(size=out.shape)
    return out.reshape(len(x), 64).astype("float32")


def encoder(dim=32, seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(dim),
        ]
    )


def evaluate(enc, x_tr, y_tr, x_te, y_te):
    """kNN (k=5, cosine) and logistic-regression probe accuracies."""

    def emb(x):
        z = enc.predict(x, verbose=0, batch_size=512)
        return z / np.linalg.norm(z, axis=1, keepdims=True)

    z_tr, z_te = emb(x_tr), emb(x_te)
    knn = KNeighborsClassifier(5, metric="cosine").fit(z_tr, y_tr)
    probe = LogisticRegression(max_iter=2000).fit(z_tr, y_tr)
    return knn.score(z_te, y_te), probe.score(z_te, y_te), z_te
