"""Training the face embedder (heads, UNPG, SymFace), resuming, and the
`kzoo train face` / `kzoo evaluate face` commands, on tiny settings."""

import json
import os

import keras
import numpy as np
import pytest

from kzoo.applications import face
from kzoo.cli import main

SIZE = 32
TINY = dict(image_size=None, width=0.25, embedding_dim=16)


@pytest.fixture(scope="module")
def data():
    return face.synthetic_faces(8, 4, image_size=SIZE, difficulty=0.5, seed=0)


def tiny_embedder():
    return face.FaceEmbedder(
        "mobilefacenet",
        embedding_dim=16,
        image_size=SIZE,
        width=0.25,
        blocks=(1, 1, 1, 1, 1),
    )


def read_json(path):
    with open(path) as f:
        return json.load(f)


@pytest.mark.requires_trainable_backend
def test_train_face_moves_weights(data):
    head, unpg, symface = "cosface", False, False
    images, labels, landmarks = data
    embedder = tiny_embedder()
    before = [np.array(w) for w in embedder.get_weights()]
    embedder, history = face.train_face(
        images,
        labels,
        landmarks=landmarks,
        head=head,
        unpg=unpg,
        symface=symface,
        epochs=1,
        batch_size=16,
        embedder=embedder,
        verbose=0,
    )
    assert np.all(np.isfinite(history["loss"]))
    if symface:
        assert "symmetry_loss" in history
    after = embedder.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(before, after))


def test_training_model_outputs(data):
    embedder = tiny_embedder()
    model = face.build_training_model(
        embedder, 8, "arcface", unpg=True, symface=True
    )
    images, labels, landmarks = data
    from kzoo.applications.face import half_face_pairs

    left, right, _ = half_face_pairs(images[:4], landmarks[:4])
    out = model(
        {
            "pixels": images[:4].astype("float32"),
            "labels": labels[:4],
            "left": left.astype("float32"),
            "right": right.astype("float32"),
        }
    )
    assert tuple(out["logits"].shape) == (4, 8 + 16)  # C + B² UNPG columns
    assert tuple(out["symmetry"].shape) == (4, 32)


class _StopAfterFirstEpoch(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 0:
            raise KeyboardInterrupt("simulated interruption")


@pytest.mark.requires_trainable_backend
def test_interrupted_run_resumes(data, tmp_path):
    images, labels, _ = data
    out = str(tmp_path / "run")
    with pytest.raises(KeyboardInterrupt):
        face.train_face(
            images,
            labels,
            epochs=2,
            batch_size=16,
            output=out,
            embedder=tiny_embedder(),
            callbacks=[_StopAfterFirstEpoch()],
            verbose=0,
        )
    assert os.path.isdir(os.path.join(out, "backup"))
    assert os.path.isfile(os.path.join(out, "checkpoint.keras"))
    _, history = face.train_face(
        images,
        labels,
        epochs=2,
        batch_size=16,
        output=out,
        embedder=tiny_embedder(),
        verbose=0,
    )
    assert len(history["loss"]) == 1  # only the second epoch ran
    assert not os.path.exists(os.path.join(out, "backup"))  # cleaned up
    loaded = face.FaceEmbedder.from_preset(os.path.join(out, "preset"))
    meta = read_json(os.path.join(out, "preset", "metadata.json"))
    assert meta["head"] == "arcface" and loaded.image_size == SIZE
    history = read_json(os.path.join(out, "history.json"))
    assert len(history["loss"]) == 1


@pytest.mark.requires_trainable_backend
def test_train_and_evaluate_commands(tmp_path, capsys):
    out = str(tmp_path / "run")
    code = main(
        [
            "train",
            "face",
            "--data",
            "synthetic:8:3:0.5",
            "--image-size",
            str(SIZE),
            "--width",
            "0.25",
            "--embedding-dim",
            "16",
            "--epochs",
            "1",
            "--batch-size",
            "12",
            "--symface",
            "--output",
            out,
            "--quiet",
        ]
    )
    assert code == 0
    assert "preset written" in capsys.readouterr().out
    report = str(tmp_path / "report")
    code = main(
        [
            "evaluate",
            "face",
            "--model",
            os.path.join(out, "preset"),
            "--data",
            "synthetic:20:3:0.5",
            "--pairs-per-fold",
            "3",
            "--output",
            report,
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "accuracy" in printed and "TAR@FAR=0.001" in printed
    metrics = read_json(os.path.join(report, "metrics.json"))
    assert 0.0 <= metrics["keras"]["accuracy"] <= 1.0
    assert os.path.isfile(os.path.join(report, "roc_keras.png"))


def test_train_face_checks_inputs():
    with pytest.raises(ValueError, match=r"images.shape=\(2, 4\)"):
        face.train_face(np.zeros((2, 4)), np.zeros(2), epochs=1)
    with pytest.raises(ValueError, match="Received: head='softmax'"):
        face.train.make_head("softmax", 3)
