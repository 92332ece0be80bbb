"""Training a `FaceEmbedder` with a kzoo margin head (and UNPG, SymFace)."""

import json
import os

import keras
import numpy as np

from kzoo.api_export import kzoo_export
from kzoo.applications.face.model import FaceEmbedder

HEADS = ("arcface", "cosface")

# Defaults of the papers' recipes (ArcFace: s=64, m=0.5 rad; CosFace: s=64,
# m=0.35); small synthetic sets train better with a smaller scale, so the
# scale is an argument.
DEFAULT_MARGINS = {"arcface": 0.5, "cosface": 0.35}


def make_head(head, num_classes, unpg=False, scale=64.0, margin=None):
    """The kzoo head layer for `head` in {"arcface", "cosface"}."""
    import kzoo

    if head not in HEADS:
        raise ValueError(
            f"`head` must be one of {HEADS}. Received: head={head!r}"
        )
    margin = DEFAULT_MARGINS[head] if margin is None else margin
    if unpg:
        return kzoo.layers.UNPGHead(
            num_classes,
            scale=scale,
            margin=margin,
            margin_type=head,
            name="unpg_head",
        )
    cls = (
        kzoo.layers.ArcFaceHead
        if head == "arcface"
        else (kzoo.layers.CosFaceHead)
    )
    return cls(num_classes, scale=scale, margin=margin, name=f"{head}_head")


@kzoo_export("kzoo.applications.face.build_training_model")
def build_training_model(
    embedder,
    num_classes,
    head="arcface",
    unpg=False,
    symface=False,
    scale=64.0,
    margin=None,
    augment=True,
):
    """The Keras model `fit` trains: pixels and labels in, head logits out
    (plus the half-face embeddings when `symface`).

    Inputs: `{"pixels": [N, S, S, 3], "labels": [N]}` and, with `symface`,
    `"left"`/`"right"`: the half faces of `half_face_pairs`
    (`[N, S, S // 2, 3]`, the right one mirrored), which the model
    stretches back to `S x S` so the shared embedder sees its input size.
    Outputs: `{"logits": [N, C(+N²)]}` and, with `symface`,
    `{"symmetry": [N, 2·d]}` (left and mirrored-right embeddings).
    """
    size = embedder.input_shape[1]
    pixels = keras.Input((size, size, 3), name="pixels")
    labels = keras.Input((), dtype="int32", name="labels")
    inputs = {"pixels": pixels, "labels": labels}
    x = pixels
    if augment:
        x = keras.layers.RandomTranslation(
            0.03, 0.03, fill_mode="nearest", name="jitter"
        )(x)
    embeddings = embedder(x)
    logits = make_head(head, num_classes, unpg, scale, margin)(
        embeddings, labels
    )
    outputs = {"logits": keras.layers.Identity(name="logits")(logits)}
    if symface:
        stretch = keras.layers.Resizing(size, size, name="stretch_half")
        halves = []
        for side in ("left", "right"):
            inputs[side] = keras.Input((size, size // 2, 3), name=side)
            halves.append(embedder(stretch(inputs[side])))
        outputs["symmetry"] = keras.layers.Concatenate(name="symmetry")(halves)
    return keras.Model(inputs, outputs)


def _symmetry_loss():
    import kzoo

    return kzoo.losses.FacialSymmetryLoss()


@kzoo_export("kzoo.applications.face.train_face")
def train_face(
    images,
    labels,
    *,
    landmarks=None,
    backbone="mobilefacenet",
    head="arcface",
    unpg=False,
    symface=False,
    symface_weight=1.0,
    epochs=10,
    batch_size=64,
    learning_rate=0.1,
    scale=32.0,
    margin=None,
    embedding_dim=128,
    width=1.0,
    activation="prelu",
    blocks=None,
    output=None,
    embedder=None,
    callbacks=None,
    verbose=1,
    seed=0,
    jit_compile="auto",
):
    """Trains a face embedder with a margin head; resumable.

    The head (ArcFace or CosFace, optionally with UNPG's batch negatives)
    owns the class weights; the loss is sparse cross-entropy on its logits,
    plus `symface_weight` × the SymFace facial-symmetry loss
    (`kzoo.losses.FacialSymmetryLoss`) between the embeddings of the left
    half and the mirrored right half (`half_face_pairs`, split on the
    landmarks' symmetry axis when `landmarks` are given). SGD with
    momentum 0.9 and cosine decay.

    With `output`, the run is resumable: `keras.callbacks.BackupAndRestore`
    keeps the weights, optimizer state and epoch in `output/backup/` (an
    interrupted run started again with the same arguments continues where
    it stopped), the best-so-far training model is checkpointed to
    `output/checkpoint.keras`, and the trained embedder is written as a
    preset folder `output/preset/` (`FaceEmbedder.from_preset` loads it).

    Args:
        images: uint8 `[N, S, S, 3]` aligned faces.
        labels: int `[N]` identity ids in `[0, num_classes)`.
        landmarks: optional `[N, 5, 2]` landmarks of `images` (for the
            SymFace split axis and frontality ρ).
        backbone, embedding_dim, width, activation, blocks: see
            `FaceEmbedder`.
        head: `"arcface"` or `"cosface"`.
        unpg: append UNPG's filtered batch negatives.
        symface: add the SymFace term.
        symface_weight: its weight. Defaults to `1.0`.
        epochs, batch_size, learning_rate: optimization.
        scale: the head's logit scale s. Defaults to `32.0`.
        margin: the head's margin; defaults to 0.5 (ArcFace) / 0.35
            (CosFace).
        output: run folder, or `None` for no files.
        embedder: an existing `FaceEmbedder` to fine-tune.
        callbacks: extra Keras callbacks.
        verbose: `fit` verbosity (1 = progress bar).
        seed: seeds Keras' RNGs.
        jit_compile: passed to `compile`. Defaults to `"auto"`. On CPU,
            `False` trains MobileFaceNet faster on TensorFlow (XLA's
            depthwise convolutions are slow there: 19 vs 27 images/s at
            112 px on 2 cores).

    Returns:
        `(embedder, history_dict)`.
    """
    images = np.asarray(images)
    labels = np.asarray(labels).astype("int32")
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(
            "`images` must have shape [N, S, S, 3]. "
            f"Received: images.shape={images.shape}"
        )
    if labels.shape != (len(images),):
        raise ValueError(
            f"`labels` must have shape [{len(images)}]. "
            f"Received: labels.shape={labels.shape}"
        )
    keras.utils.set_random_seed(seed)
    num_classes = int(labels.max()) + 1
    if embedder is None:
        embedder = FaceEmbedder(
            backbone,
            embedding_dim=embedding_dim,
            image_size=images.shape[1],
            width=width,
            activation=activation,
            blocks=blocks,
        )
    model = build_training_model(
        embedder, num_classes, head, unpg, symface, scale, margin
    )
    steps = max(1, len(images) // batch_size) * epochs
    schedule = keras.optimizers.schedules.CosineDecay(
        learning_rate, decay_steps=steps, alpha=0.01
    )
    losses = {
        "logits": keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    }
    weights = {"logits": 1.0}
    targets = {"logits": labels}
    inputs = {"pixels": images, "labels": labels}
    if symface:
        from kzoo.applications.face.half_faces import half_face_pairs

        left, right, rho = half_face_pairs(images, landmarks)
        inputs.update(left=left, right=right)
        losses["symmetry"] = _symmetry_loss()
        weights["symmetry"] = float(symface_weight)
        targets["symmetry"] = rho[:, None]
    model.compile(
        optimizer=keras.optimizers.SGD(
            schedule, momentum=0.9, weight_decay=5e-4
        ),
        loss=losses,
        loss_weights=weights,
        jit_compile=jit_compile,
    )
    callbacks = list(callbacks or [])
    if output is not None:
        os.makedirs(output, exist_ok=True)
        callbacks = [
            keras.callbacks.BackupAndRestore(os.path.join(output, "backup")),
            keras.callbacks.ModelCheckpoint(
                os.path.join(output, "checkpoint.keras"),
                monitor="loss",
                save_best_only=True,
            ),
        ] + callbacks
    history = model.fit(
        inputs,
        targets,
        batch_size=batch_size,
        epochs=epochs,
        shuffle=True,
        callbacks=callbacks,
        verbose=verbose,
    )
    if output is not None:
        embedder.save_to_preset(
            os.path.join(output, "preset"),
            metadata={
                "backbone": backbone,
                "head": head,
                "unpg": bool(unpg),
                "symface": bool(symface),
                "epochs": epochs,
                "num_classes": num_classes,
                "train_images": int(len(images)),
            },
        )
        with open(os.path.join(output, "history.json"), "w") as f:
            json.dump(
                {
                    k: [float(v) for v in vs]
                    for k, vs in history.history.items()
                },
                f,
                indent=2,
            )
    return embedder, history.history
