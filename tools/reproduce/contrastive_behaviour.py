"""Wang & Liu (CVPR 2021): the temperature trades uniformity for tolerance.

Trains the same small MLP on sklearn's digits with SimCLR two-view NT-Xent at
several temperatures and reports, on held-out embeddings, uniformity
(`kzoo.metrics.Uniformity`, t = 2; lower = more uniform), tolerance
(`kzoo.metrics.Tolerance`, both definitions) and kNN accuracy; also
`kzoo.losses.HardContrastiveLoss` at τ = 0.5. Writes a plot PNG and the
Markdown fragment docs/results/contrastive_behaviour.md.

    KERAS_BACKEND=jax python tools/reproduce/contrastive_behaviour.py
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


def train(loss, seed=0):
    x_tr, x_te, y_tr, y_te = D.digits()
    enc = D.encoder(seed=seed)
    enc.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss)
    rng = np.random.default_rng(seed)
    n = len(x_tr)
    ids = np.arange(n)
    for _ in range(EPOCHS):
        order = rng.permutation(n)
        for s in range(0, n - BATCH + 1, BATCH):
            b = order[s : s + BATCH]
            v = np.concatenate(
                [D.augment(x_tr[b], rng), D.augment(x_tr[b], rng)]
            )
            enc.train_on_batch(v, np.concatenate([ids[b], ids[b]]))
    knn, probe, z_te = D.evaluate(enc, x_tr, y_tr, x_te, y_te)
    stats = {}
    for name, metric in [
        ("uniformity", kzoo.metrics.Uniformity()),
        ("tol_same", kzoo.metrics.Tolerance("same_class_mean")),
        ("tol_all", kzoo.metrics.Tolerance("all_pairs_mean")),
    ]:
        metric.update_state(y_te, z_te)
        stats[name] = float(metric.result())
    return dict(knn=knn, probe=probe, **stats)


def main():
    start = time.time()
    temps = [0.05, 0.1, 0.2, 0.5, 1.0]
    rows = []
    for t in temps:
        rows.append(("NTXent", t, train(kzoo.losses.NTXentLoss(t))))
        print(rows[-1], flush=True)
    hard = kzoo.losses.HardContrastiveLoss(0.5, alpha=0.1)
    rows.append(("HardContrastive α=0.1", 0.5, train(hard)))
    print(rows[-1], flush=True)
    elapsed = time.time() - start

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nt = [r for r in rows if r[0] == "NTXent"]
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(
        temps,
        [-r[2]["uniformity"] for r in nt],
        "o-",
        label="−L_unif (uniformity)",
    )
    ax.plot(
        temps,
        [r[2]["tol_same"] for r in nt],
        "s-",
        label="tolerance (same-class mean)",
    )
    ax.set_xscale("log")
    ax.set_xlabel("temperature τ")
    ax.legend()
    ax.set_title("digits, NT-Xent: uniformity vs tolerance")
    fig.tight_layout()
    png = os.path.join(ROOT, "docs", "results", "contrastive_behaviour.png")
    fig.savefig(png, dpi=100)

    lines = [
        "### Behaviour of contrastive loss (Wang & Liu, 2021)",
        "",
        "`KERAS_BACKEND="
        + keras.backend.backend()
        + " python tools/reproduce/contrastive_behaviour.py` "
        f"(backend {keras.backend.backend()}, {elapsed:.0f} s on a shared 2-core CPU; "  # noqa: E501
        f"sklearn digits, MLP 64-256-32, {EPOCHS} epochs, batch {BATCH}, "
        "shift/dropout/noise views; metrics on the 540 held-out digits)",
        "",
        "| loss | τ | −L_unif ↑ | tolerance, same-class mean | tolerance, all-pairs mean | kNN acc | linear probe |",  # noqa: E501
        "|---|---|---|---|---|---|---|",
    ]
    for name, t, r in rows:
        lines.append(
            f"| {name} | {t} | {-r['uniformity']:.3f} | {r['tol_same']:.3f} | "
            f"{r['tol_all']:.3f} | {r['knn']:.3f} | {r['probe']:.3f} |"
        )
    unif = [-r[2]["uniformity"] for r in nt]
    tol = [r[2]["tol_same"] for r in nt]

    def trade_off(i):  # uniformity falls, tolerance rises from temps[i] on
        u, t = unif[i:], tol[i:]
        return all(a >= b for a, b in zip(u, u[1:])) and all(
            a <= b for a, b in zip(t, t[1:])
        )

    first = next((i for i in range(len(temps) - 1) if trade_off(i)), None)
    if first == 0:
        verdict = (
            "reproduced: uniformity falls and tolerance rises monotonically "
            "as τ grows"
        )
    elif first is not None:
        verdict = (
            f"partly reproduced: for τ ≥ {temps[first]} uniformity falls and "
            "tolerance rises as τ grows, the paper's trade-off; below that "
            f"this {EPOCHS}-epoch run has not spread the embeddings (−L_unif "
            f"{unif[0]:.2f} at τ = {temps[0]}), unlike the paper's 200-epoch "
            "ResNet runs, where the smallest τ is the most uniform"
        )
    else:
        verdict = (
            "not reproduced at this scale: no range of τ shows the paper's "
            "uniformity/tolerance trade-off"
        )
    lines += [
        "",
        f"Plot: `docs/results/contrastive_behaviour.png`. Verdict — {verdict}.",
        "",
    ]
    out = os.path.join(ROOT, "docs", "results", "contrastive_behaviour.md")
    with open(out, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
