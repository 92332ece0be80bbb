"""Train, evaluate and export a face preset; write its release assets and
registry entry.

    python tools/publish_presets.py --name mobilefacenet_synthfaces \
        --base-url https://github.com/OWNER/kzoo/releases/download/v0.1.0 \
        --output outputs/presets

Steps:
1. trains a `FaceEmbedder` with `train_face` on aligned synthetic identities
   (or `--data DIR`), with the chosen head / UNPG / SymFace;
2. evaluates 10-fold verification accuracy and TAR@FAR=1e-3 on held-out
   identities (another generator seed), and stores the calibrated threshold
   (the mean 10-fold threshold) in the model config;
3. exports TFLite float32, dynamic-range and int8 (representative data: the
   training images) and a SavedModel, and reports per format the size, max
   |Δ| and mean cosine to the Keras embeddings, and held-out accuracy;
4. writes `<output>/<name>/` (config.json, model.weights.h5, metadata.json,
   plus the exported models), `<output>/release/<name>-<file>` (the three
   release assets, flat, under the names the registry uses) and
   `<output>/<name>.registry.json` — the entry to append to
   `applications/face/presets.json` once the assets are uploaded to
   `--base-url`.

`--from-run DIR` publishes a finished run without training again. A
`--base-url` without a scheme is a path relative to the registry file, for
presets whose files ship inside the package (`--asset-prefix ""`).
"""

import argparse
import json
import os
import shutil
import sys
import time

import numpy as np


def parse_args(argv=None):
    from kzoo.applications.face._cli import add_jit_compile_argument

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--name", default="mobilefacenet_synthfaces")
    p.add_argument("--base-url", required=True)
    p.add_argument("--output", default="outputs/presets")
    p.add_argument("--data", default="synthetic:300:20:1.0")
    p.add_argument("--heldout", default="synthetic:100:10:1.0")
    p.add_argument("--backbone", default="mobilefacenet")
    p.add_argument("--head", default="arcface")
    p.add_argument("--unpg", action="store_true")
    p.add_argument("--symface", action="store_true")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--image-size", type=int, default=112)
    p.add_argument("--width", type=float, default=1.0)
    p.add_argument("--activation", default="prelu")
    p.add_argument("--blocks", type=int, nargs=5, default=None)
    p.add_argument("--scale", type=float, default=32.0)
    p.add_argument("--learning-rate", type=float, default=0.1)
    add_jit_compile_argument(p, "off")
    p.add_argument(
        "--asset-prefix",
        default=None,
        help="prefix of the release-asset names (default '<name>-': one "
        "release holds several presets in a flat namespace)",
    )
    p.add_argument("--skip-export", action="store_true")
    p.add_argument(
        "--from-run",
        default=None,
        help="publish a finished run folder of this script (or of "
        "`kzoo train face`) instead of training; the training options are "
        "then only recorded",
    )
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    import kzoo
    from kzoo.applications import face
    from kzoo.applications.face._cli import JIT_COMPILE
    from kzoo.applications.face._cli import load_data

    folder = os.path.join(args.output, args.name)
    os.makedirs(folder, exist_ok=True)
    images, labels, landmarks = load_data(args.data, args.image_size, seed=0)
    held, held_labels, _ = load_data(args.heldout, args.image_size, seed=1)
    pairs = face.make_pairs(held_labels, 10, 300, seed=1)
    run_dir = args.from_run or os.path.join(args.output, f"{args.name}_run")
    timing = os.path.join(run_dir, "train_seconds.json")
    if args.from_run:
        # Publish a finished `train_face` run without training again; the
        # run's preset is resolved like any model argument (kzoo.hub).
        _, preset = kzoo.hub.resolve_model(
            os.path.join(run_dir, "preset"), arg_name="from_run"
        )
        embedder = face.FaceEmbedder.from_preset(preset)
        train_s = None
        if os.path.exists(timing):
            with open(timing) as f:
                train_s = json.load(f)["train_seconds"]
    else:
        start = time.time()
        embedder, history = face.train_face(
            images,
            labels,
            landmarks=landmarks,
            backbone=args.backbone,
            head=args.head,
            unpg=args.unpg,
            symface=args.symface,
            epochs=args.epochs,
            batch_size=args.batch_size,
            scale=args.scale,
            width=args.width,
            activation=args.activation,
            blocks=args.blocks,
            learning_rate=args.learning_rate,
            jit_compile=JIT_COMPILE[args.jit_compile],
            verbose=2,
            output=run_dir,
        )
        train_s = time.time() - start
        with open(timing, "w") as f:
            json.dump({"train_seconds": train_s}, f)
    result = face.evaluate_verification(
        embedder.embed,
        held,
        pairs,
        roc_path=os.path.join(folder, "roc.png"),
        label=args.name,
    )
    embedder.threshold = float(result["threshold"])
    formats = {}
    if not args.skip_export:
        reference = embedder.embed(held[:256])
        rep = images[np.random.default_rng(0).permutation(len(images))[:200]]
        for fmt, quant in (
            ("savedmodel", None),
            ("float32", None),
            ("dynamic", "dynamic"),
            ("int8", "int8"),
        ):
            saved = fmt == "savedmodel"
            path = os.path.join(
                folder, f"{args.name}_{fmt}" + ("" if saved else ".tflite")
            )
            report = kzoo.export.export_model(
                embedder,
                path,
                format="tf_saved_model" if saved else "tflite",
                quantize=quant,
                representative_data=None if saved else rep.astype("float32"),
                sample_input=held[:8].astype("float32"),
                verbose=False,
            )
            if saved:
                # The exporter's own SavedModel runner (one load per call).
                run = lambda x, p=path: kzoo.export.run_exported(  # noqa: E731
                    p, np.asarray(x, "float32")
                )[0]
            else:
                run = kzoo.export.TFLiteModel(path)
            out = run(held[:256].astype("float32"))
            r = face.evaluate_verification(run, held, pairs)
            formats[fmt] = {
                "size_bytes": report.size_bytes,
                "max_abs_diff": float(np.abs(out - reference).max()),
                "mean_cosine": float(np.mean(np.sum(out * reference, 1))),
                "accuracy": r["accuracy"],
                "tar_at_far_1e-3": r["tar"],
            }
            if not saved:
                formats[fmt]["latency_ms"] = kzoo.export.benchmark_tflite(
                    path, runs=30
                )
    metadata = {
        "training_data": args.data,
        "heldout_data": args.heldout,
        "backbone": args.backbone,
        "head": args.head,
        "unpg": args.unpg,
        "symface": args.symface,
        "epochs": args.epochs,
        "train_seconds": None if train_s is None else round(train_s, 1),
        "accuracy": result["accuracy"],
        "accuracy_std": result["std"],
        "tar_at_far_1e-3": result["tar"],
        "auc": result["auc"],
        "threshold": embedder.threshold,
        "exports": formats,
    }
    for name in ("config.json", "model.weights.h5", "metadata.json"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            os.remove(path)
    embedder.save_to_preset(folder, metadata=metadata)
    # The registry lists the preset's three files only (not the exports).
    staging = os.path.join(args.output, f".{args.name}_assets")
    os.makedirs(staging, exist_ok=True)
    for name in ("config.json", "model.weights.h5", "metadata.json"):
        os.replace(os.path.join(folder, name), os.path.join(staging, name))
    prefix = f"{args.name}-" if args.asset_prefix is None else args.asset_prefix
    entry = kzoo.hub.preset_from_folder(
        args.name,
        staging,
        args.base_url,
        description=f"{args.backbone} + {args.head}"
        + (" + UNPG" if args.unpg else "")
        + (" + SymFace" if args.symface else "")
        + f", held-out accuracy {result['accuracy']:.4f}",
        accuracy=result["accuracy"],
        training_data=args.data,
        asset_prefix=prefix,
    )
    # The release assets, flat, under the names the registry entry uses.
    release = os.path.join(args.output, "release")
    os.makedirs(release, exist_ok=True)
    for name in ("config.json", "model.weights.h5", "metadata.json"):
        shutil.copyfile(
            os.path.join(staging, name),
            os.path.join(release, prefix + name),
        )
        os.replace(os.path.join(staging, name), os.path.join(folder, name))
    os.rmdir(staging)
    with open(
        os.path.join(args.output, f"{args.name}.registry.json"), "w"
    ) as f:
        json.dump(entry.to_json(), f, indent=2)
    print(json.dumps(metadata, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
