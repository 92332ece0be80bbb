"""`kzoo train face`, `kzoo evaluate face` and `kzoo predict face`.

Only the standard library at the top: `kzoo train face --help` reads this
module without importing NumPy, Keras or the application (see
`applications/_cli.py`).
"""

import json
import os

HELP = {
    "train": "Train a face embedder (MobileFaceNet/IResNet + ArcFace/CosFace"
    ", optionally UNPG and SymFace).",
    "evaluate": "10-fold verification accuracy, TAR@FAR and ROC of a face "
    "embedder (Keras preset and/or exported TFLite models).",
    "predict": "Embed aligned face images with a face embedder; with two "
    "images, their cosine similarity and the same-identity decision.",
}

DATA_HELP = (
    "a folder with one sub-folder of images per identity, or "
    "'synthetic[:IDENTITIES[:IMAGES_PER_ID[:DIFFICULTY]]]' for the seeded "
    "procedural identity generator "
    "(kzoo.applications.face.make_face_identities, aligned; difficulty 1.0 "
    "is its hardest documented setting)"
)


# `--jit-compile` values → `model.compile(jit_compile=...)`.
JIT_COMPILE = {"auto": "auto", "on": True, "off": False}


def add_jit_compile_argument(parser, default):
    parser.add_argument(
        "--jit-compile",
        choices=tuple(JIT_COMPILE),
        default=default,
        help=f"compile the train step with XLA (default {default}; 'off' "
        "trains MobileFaceNet faster on a TensorFlow CPU, where XLA's "
        "depthwise convolutions are slow)",
    )


def load_data(spec, image_size, seed):
    """`(images, labels)` from a folder or a `synthetic:...` spec."""
    if spec.startswith("synthetic"):
        from kzoo.applications.face.synthetic import synthetic_faces

        parts = spec.split(":")[1:]
        ids = int(parts[0]) if len(parts) > 0 else 200
        per_id = int(parts[1]) if len(parts) > 1 else 20
        difficulty = float(parts[2]) if len(parts) > 2 else 1.0
        return synthetic_faces(
            ids, per_id, image_size=image_size, difficulty=difficulty, seed=seed
        )
    from kzoo.applications.face.data import load_identity_folder

    images, labels, _ = load_identity_folder(spec, image_size=image_size)
    return images, labels, None


def add_train_arguments(parser):
    parser.add_argument(
        "--data", default="synthetic", help=f"{DATA_HELP} (default: synthetic)"
    )
    parser.add_argument(
        "--backbone",
        default="mobilefacenet",
        choices=("mobilefacenet", "iresnet18", "iresnet34", "iresnet50"),
    )
    parser.add_argument(
        "--head", default="arcface", choices=("arcface", "cosface")
    )
    parser.add_argument(
        "--unpg", action="store_true", help="append UNPG batch negatives"
    )
    parser.add_argument(
        "--symface", action="store_true", help="add the SymFace loss term"
    )
    parser.add_argument("--symface-weight", type=float, default=1.0)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--scale", type=float, default=32.0)
    parser.add_argument("--margin", type=float, default=None)
    parser.add_argument("--image-size", type=int, default=112)
    parser.add_argument("--embedding-dim", type=int, default=128)
    parser.add_argument("--width", type=float, default=1.0)
    parser.add_argument(
        "--activation", default="prelu", choices=("prelu", "relu")
    )
    parser.add_argument(
        "--blocks",
        type=int,
        nargs=5,
        default=None,
        help="MobileFaceNet bottleneck repeats (default: 5 1 6 1 2)",
    )
    parser.add_argument("--seed", type=int, default=0)
    add_jit_compile_argument(parser, "auto")
    parser.add_argument(
        "--output",
        required=True,
        help="run folder: backup/ (resume), checkpoint.keras, preset/",
    )
    parser.add_argument("--quiet", action="store_true")


def train(args):
    from kzoo.applications.face.train import train_face

    images, labels, landmarks = load_data(args.data, args.image_size, args.seed)
    embedder, history = train_face(
        images,
        labels,
        landmarks=landmarks,
        backbone=args.backbone,
        head=args.head,
        unpg=args.unpg,
        symface=args.symface,
        symface_weight=args.symface_weight,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        scale=args.scale,
        margin=args.margin,
        embedding_dim=args.embedding_dim,
        width=args.width,
        activation=args.activation,
        blocks=args.blocks,
        output=args.output,
        verbose=0 if args.quiet else 1,
        seed=args.seed,
        jit_compile=JIT_COMPILE[args.jit_compile],
    )
    print(
        f"trained on {len(images)} images of {labels.max() + 1} identities; "
        f"final loss {history['loss'][-1]:.4f}; preset written to "
        f"{os.path.join(args.output, 'preset')}"
    )
    return 0


def add_evaluate_arguments(parser):
    parser.add_argument(
        "--model", required=True, help="a preset folder or preset name"
    )
    parser.add_argument(
        "--data",
        default="synthetic:100:10",
        help=f"{DATA_HELP}; synthetic identities use --seed (default: "
        "synthetic:100:10, seed 1: identities unseen in training)",
    )
    parser.add_argument(
        "--pairs",
        help="an LFW-style pairs.txt for --data DIR (default: a 10-fold "
        "protocol drawn from the data)",
    )
    parser.add_argument("--pairs-per-fold", type=int, default=300)
    parser.add_argument("--far", type=float, default=1e-3)
    parser.add_argument(
        "--tflite",
        nargs="*",
        default=[],
        help="exported .tflite models to evaluate beside the Keras model",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", help="folder for metrics.json and roc.png")


def _pairs_from_file(path, data_root, image_size):
    import numpy as np

    from kzoo.applications.face.data import _read_image
    from kzoo.applications.face.data import parse_pairs

    protocol = parse_pairs(path, root=data_root)
    files = sorted(set(protocol["left"]) | set(protocol["right"]))
    index = {f: i for i, f in enumerate(files)}
    images = np.stack([_read_image(f, image_size) for f in files])
    pairs = {
        "left": np.asarray([index[f] for f in protocol["left"]]),
        "right": np.asarray([index[f] for f in protocol["right"]]),
        "same": protocol["same"],
        "fold": protocol["fold"],
    }
    return images, pairs


def evaluate(args):
    import numpy as np

    from kzoo.applications.face.data import make_pairs
    from kzoo.applications.face.model import FaceEmbedder
    from kzoo.applications.face.verification import evaluate_verification
    from kzoo.export import TFLiteModel

    embedder = FaceEmbedder.from_preset(args.model)
    size = embedder.input_size or embedder.image_size
    if args.pairs:
        images, pairs = _pairs_from_file(args.pairs, args.data, size)
    else:
        images, labels, _ = load_data(args.data, size, args.seed)
        pairs = make_pairs(labels, 10, args.pairs_per_fold, seed=args.seed)
    if args.output:
        os.makedirs(args.output, exist_ok=True)
    results = {}
    models = {"keras": embedder.embed}
    for path in args.tflite:
        models[os.path.basename(path)] = TFLiteModel(path)
    reference = None
    for name, embed in models.items():
        roc = (
            os.path.join(args.output, f"roc_{name.replace('.', '_')}.png")
            if args.output
            else None
        )
        result = evaluate_verification(
            embed, images, pairs, far=args.far, roc_path=roc, label=name
        )
        sample = np.asarray(embed(images[:64]), "float32")
        if reference is None:
            reference = sample
        else:
            result["max_abs_diff"] = float(np.abs(sample - reference).max())
            result["mean_cosine"] = float(
                np.mean(np.sum(sample * reference, 1))
            )
            result["size_bytes"] = os.path.getsize(path_of(args, name))
        results[name] = result
        extra = (
            f"  max|Δ| {result['max_abs_diff']:.2e}  mean cos "
            f"{result['mean_cosine']:.4f}  {result['size_bytes'] / 1e6:.2f} MB"
            if "mean_cosine" in result
            else ""
        )
        print(
            f"{name:<28} accuracy {result['accuracy']:.4f} ± "
            f"{result['std']:.4f}  TAR@FAR={args.far:g} {result['tar']:.4f}  "
            f"AUC {result['auc']:.4f}{extra}"
        )
    if args.output:
        with open(os.path.join(args.output, "metrics.json"), "w") as f:
            json.dump(results, f, indent=2)
    return 0


def path_of(args, name):
    return next(p for p in args.tflite if os.path.basename(p) == name)


def add_predict_arguments(parser):
    parser.add_argument(
        "--model", required=True, help="a preset folder or preset name"
    )
    parser.add_argument(
        "images",
        nargs="+",
        help="aligned face images (resized to the model's input size), or "
        "folders of them",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="same-identity threshold on the cosine similarity (default: "
        "the model's calibrated one)",
    )
    parser.add_argument(
        "--output", help="write the embeddings to this .npy file"
    )


def _image_files(paths):
    from kzoo.applications.face.data import IMAGE_EXTENSIONS

    files = []
    for path in paths:
        if os.path.isdir(path):
            files += sorted(
                os.path.join(path, name)
                for name in os.listdir(path)
                if name.lower().endswith(IMAGE_EXTENSIONS)
            )
        elif os.path.isfile(path):
            files.append(path)
        else:
            raise FileNotFoundError(
                f"`images` must be image files or folders. Received: "
                f"{path!r} (no such file)"
            )
    if not files:
        raise ValueError(
            f"`images` holds no image ({', '.join(IMAGE_EXTENSIONS)}). "
            f"Received: {paths!r}"
        )
    return files


def predict(args):
    import numpy as np

    from kzoo.applications.face.data import _read_image
    from kzoo.applications.face.model import FaceEmbedder

    files = _image_files(args.images)
    embedder = FaceEmbedder.from_preset(args.model)
    size = embedder.input_size or embedder.image_size
    images = []
    for path in files:
        try:
            images.append(_read_image(path, size))
        except OSError as e:
            raise ValueError(
                f"`images` must be readable images. Received: {path!r} ({e})"
            ) from None
    embeddings = embedder.embed(np.stack(images))
    if args.output:
        parent = os.path.dirname(os.path.abspath(args.output))
        os.makedirs(parent, exist_ok=True)
        np.save(args.output, embeddings)
        print(f"wrote {embeddings.shape} embeddings to {args.output}")
    if len(files) == 2:
        threshold = (
            embedder.threshold if args.threshold is None else args.threshold
        )
        similarity = float(np.sum(embeddings[0] * embeddings[1]))
        same = "same identity" if similarity >= threshold else "different"
        print(
            f"cosine similarity {similarity:.4f} (threshold "
            f"{threshold:.4f}): {same}"
        )
    elif not args.output:
        for path, row in zip(files, embeddings):
            print(f"{path}: {np.array2string(row[:4], precision=4)} ...")
    return 0
