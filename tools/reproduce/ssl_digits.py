"""SimCLR (NT-Xent) vs iSogCLR vs GroCo on sklearn digits: kNN and
linear-probe accuracy of the learned embeddings.

Same MLP encoder, augmentations, epochs and optimizer for every method;
iSogCLR runs as `kzoo.layers.ISogCLR` on (view1, view2, sample id) with
LibAUC's unimodal defaults except temperature_init; GroCo as
`kzoo.losses.GroCoLoss` (topk_neg 10, steepness 1, odd-even Cauchy, as in
the paper). Writes docs/results/ssl_digits.md.

    KERAS_BACKEND=jax python tools/reproduce/ssl_digits.py
"""

import os
import sys
import time

import keras
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _digits_ssl as D  # noqa: E402

import kzoo  # noqa: E402

ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
)
EPOCHS, BATCH = 15, 128


def batches(x, rng):
    n = len(x)
    order = rng.permutation(n)
    for s in range(0, n - BATCH + 1, BATCH):
        b = order[s : s + BATCH]
        yield b, D.augment(x[b], rng), D.augment(x[b], rng)


def run_loss(loss, data, seed):
    x_tr, x_te, y_tr, y_te = data
    enc = D.encoder(seed=seed)
    enc.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss)
    rng = np.random.default_rng(seed)
    for _ in range(EPOCHS):
        for b, v1, v2 in batches(x_tr, rng):
            enc.train_on_batch(np.concatenate([v1, v2]), np.concatenate([b, b]))
    return D.evaluate(enc, x_tr, y_tr, x_te, y_te)[:2]


def run_isogclr(data, seed, temperature_init):
    x_tr, x_te, y_tr, y_te = data
    enc = D.encoder(seed=seed)
    a, b_in = keras.Input((64,)), keras.Input((64,))
    ids = keras.Input((), dtype="int32")
    layer = kzoo.layers.ISogCLR(len(x_tr), temperature_init=temperature_init)
    model = keras.Model([a, b_in, ids], layer([enc(a), enc(b_in), ids]))
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    rng = np.random.default_rng(seed)
    for epoch in range(EPOCHS):
        layer.adjust_gamma(epoch)
        for b, v1, v2 in batches(x_tr, rng):
            model.train_on_batch([v1, v2, b.astype("int32")])
    taus = keras.ops.convert_to_numpy(layer.temperature)
    knn, probe = D.evaluate(enc, x_tr, y_tr, x_te, y_te)[:2]
    return (
        knn,
        probe,
        (float(taus.min()), float(taus.mean()), float(taus.max())),
    )


def main():
    start = time.time()
    data = D.digits()
    rows = []
    seeds = [0, 1]
    configs = [
        (
            "SimCLR / NTXentLoss(τ=0.1)",
            lambda s: run_loss(kzoo.losses.NTXentLoss(0.1), data, s),
        ),
        ("iSogCLR / ISogCLR(τ_init=0.1)", lambda s: run_isogclr(data, s, 0.1)),
        (
            "GroCo / GroCoLoss(K=10)",
            lambda s: run_loss(kzoo.losses.GroCoLoss(topk_neg=10), data, s),
        ),
    ]
    extra = {}
    for name, fn in configs:
        t0 = time.time()
        accs = []
        for s in seeds:
            out = fn(s)
            accs.append(out[:2])
            if len(out) > 2:
                extra[name] = out[2]
        accs = np.array(accs)
        rows.append(
            (name, accs.mean(0), accs.std(0), (time.time() - t0) / len(seeds))
        )
        print(rows[-1], flush=True)
    elapsed = time.time() - start
    identity = keras.Sequential([keras.Input((64,)), keras.layers.Identity()])
    x_tr, x_te, y_tr, y_te = data
    raw_knn, raw_probe, _ = D.evaluate(identity, x_tr, y_tr, x_te, y_te)
    lines = [
        "### SimCLR vs iSogCLR vs GroCo (digits)",
        "",
        f"`KERAS_BACKEND={keras.backend.backend()} python tools/reproduce/ssl_digits.py` "  # noqa: E501
        f"(backend {keras.backend.backend()}, {elapsed:.0f} s on a shared 2-core CPU; sklearn digits "  # noqa: E501
        f"1257 train / 540 test, MLP 64-256-32, {EPOCHS} epochs, batch {BATCH}, Adam 1e-3, "  # noqa: E501
        f"seeds {seeds}; kNN k=5 cosine and logistic-regression probe on frozen embeddings)",  # noqa: E501
        "",
        "| method | kNN acc | linear probe acc | s / run |",
        "|---|---|---|---|",
    ]
    for name, mean, std, sec in rows:
        lines.append(
            f"| {name} | {mean[0]:.3f} ± {std[0]:.3f} | {mean[1]:.3f} ± {std[1]:.3f} | {sec:.0f} |"  # noqa: E501
        )
    lines.append(
        f"| raw pixels (no training) | {raw_knn:.3f} | {raw_probe:.3f} | – |"
    )
    for name, (lo, mean, hi) in extra.items():
        lines += [
            "",
            f"iSogCLR learned temperatures: min {lo:.3f}, mean {mean:.3f}, max {hi:.3f}.",  # noqa: E501
        ]
    best = max(rows, key=lambda r: r[1][0])
    summary = "; ".join(
        f"{name.split(' /')[0]} kNN {m[0]:.3f} / probe {m[1]:.3f}"
        for name, m, _, _ in rows
    )
    lines += [
        "",
        "Verdict — not reproduced at this scale: the papers' gains (iSogCLR "
        "over SimCLR, GroCo over SimCLR) are on ImageNet-scale data with "
        "ResNets. Here (" + summary + f"), best kNN: {best[0]}, and no "
        f"method beats raw pixels (kNN {raw_knn:.3f}, probe "
        f"{raw_probe:.3f}) after {EPOCHS} epochs of an MLP on 8×8 digits. "
        "The table shows that each component trains end to end; it does "
        "not test the papers' claims.",
        "",
    ]
    out = os.path.join(ROOT, "docs", "results", "ssl_digits.md")
    with open(out, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
