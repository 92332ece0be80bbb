"""How kzoo.losses.ZLoss's defaults were chosen (the paper gives none).

Trains the same small MLP with softmax cross-entropy and with the Z-loss over a
grid of (a, b) on held-out splits of two real scikit-learn data sets (digits,
10 classes; wine, 3 classes), and prints test accuracy averaged over seeds.

    KERAS_BACKEND=jax python tools/zloss_defaults.py
"""

import argparse
import itertools

import keras
import numpy as np
from sklearn.datasets import load_digits
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import kzoo


def _data(name, seed):
    x, y = (load_digits if name == "digits" else load_wine)(return_X_y=True)
    xtr, xte, ytr, yte = train_test_split(
        x, y, test_size=0.3, random_state=seed, stratify=y
    )
    scaler = StandardScaler().fit(xtr)
    return (
        scaler.transform(xtr).astype("float32"),
        ytr,
        scaler.transform(xte).astype("float32"),
        yte,
    )


def _accuracy(loss, name, seed, epochs):
    xtr, ytr, xte, yte = _data(name, seed)
    keras.utils.set_random_seed(seed)
    k = int(ytr.max()) + 1
    model = keras.Sequential(
        [
            keras.Input(xtr.shape[1:]),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(k),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=loss)
    model.fit(xtr, ytr, batch_size=32, epochs=epochs, verbose=0)
    return float(np.mean(model.predict(xte, verbose=0).argmax(1) == yte))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    grid = list(itertools.product([0.5, 1.0, 2.0, 4.0], [1.0, 2.0, 3.0, 5.0]))
    for name in ("digits", "wine"):
        seeds = range(args.seeds)
        ce = np.mean(
            [
                _accuracy(
                    keras.losses.SparseCategoricalCrossentropy(
                        from_logits=True
                    ),
                    name,
                    s,
                    args.epochs,
                )
                for s in seeds
            ]
        )
        print(f"{name}: softmax cross-entropy  accuracy {ce:.4f}")
        for a, b in grid:
            acc = np.mean(
                [
                    _accuracy(kzoo.losses.ZLoss(a=a, b=b), name, s, args.epochs)
                    for s in seeds
                ]
            )
            print(f"{name}: ZLoss(a={a}, b={b})  accuracy {acc:.4f}")


if __name__ == "__main__":
    main()
