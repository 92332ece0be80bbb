"""Comp-sum losses under 40 % symmetric label noise (Mao, Mohri & Zhong, 2023).

Claim checked: comp-sum losses with τ > 1 (generalized cross-entropy, τ = 2
the MAE-like 1 − p_y) are more robust to label noise than cross-entropy
(τ = 1). Data: scikit-learn digits (1797 images, 10 classes), 70/30 split, 40
% of the training labels replaced by another class uniformly; the test labels
are clean. A two-layer MLP (128 units) trained with Adam (1e-3), batch 64, 60
epochs; test accuracy at the last epoch (no early stopping, the regime where
cross-entropy memorizes the noise) and the best epoch, mean ± std over 3
seeds.

    KERAS_BACKEND=jax python tools/reproduce/comp_sum_label_noise.py
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

import _noisy_tabular as nt  # noqa: E402
import keras  # noqa: E402

import kzoo  # noqa: E402

TAUS = [0.5, 1.0, 1.5, 2.0]
SEEDS = [0, 1, 2]
EPOCHS = 60


def run(tau, seed):
    x_tr, x_te, y_tr, y_te = nt.digits_split(seed)
    noisy, _ = nt.symmetric_noise(y_tr, 0.4, 10, seed + 100)
    model = nt.mlp(64, 10, seed=seed)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=kzoo.losses.CompSumLoss(tau=tau),
        metrics=["accuracy"],
    )
    hist = model.fit(
        x_tr,
        noisy,
        validation_data=(x_te, y_te),
        batch_size=64,
        epochs=EPOCHS,
        verbose=0,
    )
    acc = hist.history["val_accuracy"]
    return acc[-1], max(acc)


def main():
    rows = []
    for tau in TAUS:
        res = np.array([run(tau, s) for s in SEEDS])
        rows.append((tau, res))
        last, best = res.mean(axis=0)
        print(f"tau={tau}: last {last:.4f} best {best:.4f}")
    lines = [
        "Digits, 40 % symmetric label noise on the training set, MLP, "
        f"{EPOCHS} epochs, {len(SEEDS)} seeds (clean test accuracy):",
        "",
        "| loss | last epoch | best epoch |",
        "|---|---|---|",
    ]
    for tau, res in rows:
        name = {1.0: "τ = 1 (cross-entropy)", 2.0: "τ = 2 (1 − p_y)"}.get(
            tau, f"τ = {tau}"
        )
        lines.append(
            f"| {name} | {res[:, 0].mean():.3f} ± {res[:, 0].std():.3f} | "
            f"{res[:, 1].mean():.3f} ± {res[:, 1].std():.3f} |"
        )
    by_tau = {tau: res[:, 0].mean() for tau, res in rows}
    ce = by_tau[1.0]
    better = [t for t in TAUS if t > 1 and by_tau[t] > ce + 0.01]
    if better:
        verdict = (
            "reproduced: τ ∈ {"
            + ", ".join(f"{t}" for t in better)
            + "} beat cross-entropy "
            + f"({ce:.3f}) at the last epoch under 40 % "
            "label noise."
        )
    else:
        verdict = (
            "not reproduced at this scale: no τ > 1 beat cross-entropy "
            f"({ce:.3f}) by more than 0.01 at the last epoch."
        )
    lines += ["", verdict]
    nt.write_fragment(
        "comp_sum_label_noise",
        "Comp-sum losses (Mao, Mohri & Zhong, 2023)",
        lines,
    )


if __name__ == "__main__":
    main()
