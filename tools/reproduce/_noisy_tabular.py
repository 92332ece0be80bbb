"""Shared helpers for the classification reproductions: offline scikit-learn
data, symmetric label noise, a small MLP, and a Markdown fragment writer."""

import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


def digits_split(seed, test_size=0.3):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype("float32")
    return train_test_split(
        x, y.astype("int32"), test_size=test_size, random_state=seed, stratify=y
    )


def symmetric_noise(y, rate, num_classes, seed):
    """Replace a fraction `rate` of labels by a different class, uniformly."""
    rng = np.random.default_rng(seed)
    flip = rng.random(len(y)) < rate
    other = (y + rng.integers(1, num_classes, size=len(y))) % num_classes
    return np.where(flip, other, y).astype(y.dtype), flip


def mlp(input_dim, outputs, hidden=128, activation=None, seed=0):
    import keras

    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((input_dim,)),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(outputs, activation=activation),
        ]
    )


def command():
    return "KERAS_BACKEND={} python {}".format(
        os.environ.get("KERAS_BACKEND", "tensorflow"),
        os.path.relpath(sys.argv[0], ROOT),
    )


def write_fragment(stem, title, lines):
    import keras

    path = os.path.join(ROOT, "docs", "results", f"{stem}.md")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    text = "\n".join(
        [
            f"### {title}",
            "",
            f"Command: `{command()}` (backend: {keras.backend.backend()}, CPU)",
            "",
            *lines,
            "",
        ]
    )
    with open(path, "w") as f:
        f.write(text)
    print(text)
    return path
