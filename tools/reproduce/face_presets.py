"""ArcFace alone, + UNPG and + SymFace on the face application, side by side.

Trains the three variants with the same recipe through
`tools/publish_presets.py` (MobileFaceNet at 112×112, width 0.75, ReLU;
ArcFace s=32, m=0.5; SGD 0.1 with cosine decay; 200 generator identities ×
20 images at difficulty 1.0, the hardest setting) and reports 10-fold
verification accuracy, TAR at FAR=1e-3 and ROC AUC on 100 held-out
identities (generator seed 1, 3,000 genuine and 3,000 impostor pairs).

    KERAS_BACKEND=tensorflow python tools/reproduce/face_presets.py \
        --output outputs/presets            # about 65 minutes on 2 cores
    python tools/reproduce/face_presets.py --output outputs/presets \
        --collect-only                      # the table from finished runs

Writes docs/results/face_presets.md.
"""

import argparse
import json
import os
import sys

ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
)
sys.path.insert(0, os.path.join(ROOT, "tools"))

VARIANTS = (
    ("mfn075_arcface", "ArcFace", []),
    ("mfn075_arcface_unpg", "ArcFace + UNPG", ["--unpg"]),
    ("mfn075_arcface_symface", "ArcFace + SymFace", ["--symface"]),
)

COMMON = [
    "--data",
    "synthetic:200:20:1.0",
    "--heldout",
    "synthetic:100:10:1.0",
    "--epochs",
    "6",
    "--width",
    "0.75",
    "--activation",
    "relu",
    "--head",
    "arcface",
    "--skip-export",
]


def train(output, base_url):
    import publish_presets

    for name, _, extra in VARIANTS:
        if os.path.exists(os.path.join(output, name, "metadata.json")):
            continue
        publish_presets.main(
            ["--name", name, "--output", output, "--base-url", base_url]
            + COMMON
            + extra
        )


def table(output):
    rows = [
        "| variant | held-out accuracy (10-fold) | TAR @ FAR=1e-3 | "
        "ROC AUC | training time |",
        "|---|---|---:|---:|---:|",
    ]
    for name, label, _ in VARIANTS:
        with open(os.path.join(output, name, "metadata.json")) as f:
            meta = json.load(f)
        seconds = meta.get("train_seconds")
        rows.append(
            f"| {label} | {meta['accuracy']:.4f} ± "
            f"{meta['accuracy_std']:.4f} | {meta['tar_at_far_1e-3']:.4f} | "
            f"{meta['auc']:.5f} | "
            + ("—" if seconds is None else f"{seconds / 60:.1f} min")
            + " |"
        )
    return "\n".join(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default="outputs/presets")
    parser.add_argument(
        "--base-url",
        default="https://github.com/kzoo-ml/kzoo/releases/download/v0.1.0",
    )
    parser.add_argument("--collect-only", action="store_true")
    parser.add_argument(
        "--fragment",
        default=os.path.join(ROOT, "docs", "results", "face_presets.md"),
    )
    args = parser.parse_args(argv)
    if not args.collect_only:
        train(args.output, args.base_url)
    text = table(args.output)
    print(text)
    with open(args.fragment) as f:
        fragment = f.read()
    start = fragment.index("<!-- table -->") + len("<!-- table -->")
    end = fragment.index("<!-- /table -->")
    with open(args.fragment, "w") as f:
        f.write(fragment[:start] + "\n" + text + "\n" + fragment[end:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
