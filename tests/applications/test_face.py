"""The face application: backbones, embedder, presets, alignment, data,
verification protocol. Training and export live in test_face_train.py."""

import os

import keras
import numpy as np
import pytest

import kzoo
from kzoo.applications import face


@pytest.fixture(scope="module")
def small_embedder():
    keras.utils.set_random_seed(0)
    return face.FaceEmbedder(
        "mobilefacenet", embedding_dim=16, image_size=32, width=0.25
    )


def test_mobilefacenet_matches_the_paper_size():
    # Chen et al. 2018 report 0.99 M parameters for MobileFaceNet (128-D).
    model = face.FaceEmbedder("mobilefacenet")
    params = sum(int(np.prod(w.shape)) for w in model.weights)
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert 0.95e6 < trainable < 1.1e6, trainable
    assert model.output_shape == (None, 128)
    assert model.input_shape == (None, 112, 112, 3)
    assert params > trainable  # BN moving statistics
    # The global depthwise conv spans the whole 7x7 map at 112 px.
    gd = model.get_layer("mobilefacenet_gdconv_dw")
    assert tuple(gd.kernel_size) == (7, 7)


@pytest.mark.parametrize("backbone", ["iresnet18", "mobilefacenet"])
def test_backbones_build_and_embed(backbone):
    model = face.FaceEmbedder(
        backbone, embedding_dim=8, image_size=16, width=0.125, input_size=20
    )
    x = np.random.default_rng(0).integers(0, 256, (3, 20, 20, 3))
    e = keras.ops.convert_to_numpy(model(x.astype("float32")))
    assert e.shape == (3, 8) and e.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)
    assert model.get_layer("resize") is not None


def test_relu_variant_has_no_prelu():
    model = face.FaceEmbedder(
        "mobilefacenet", image_size=32, width=0.25, activation="relu"
    )
    kinds = {type(layer).__name__ for layer in model.layers}
    assert "PReLU" not in kinds and "ReLU" in kinds


def test_config_round_trip_and_keras_file(small_embedder, tmp_path):
    config = small_embedder.get_config()
    clone = face.FaceEmbedder.from_config(config)
    assert clone.get_config() == config
    path = str(tmp_path / "embedder.keras")
    small_embedder.save(path)
    loaded = keras.saving.load_model(path)  # no custom_objects
    assert isinstance(loaded, face.FaceEmbedder)
    x = np.random.default_rng(1).uniform(0, 255, (2, 32, 32, 3))
    np.testing.assert_allclose(
        loaded.embed(x), small_embedder.embed(x), atol=1e-5
    )


def test_preset_round_trip_and_verify(small_embedder, tmp_path):
    digests = small_embedder.save_to_preset(
        str(tmp_path / "preset"), metadata={"note": "test"}
    )
    assert set(digests) == {"config.json", "model.weights.h5", "metadata.json"}
    loaded = face.FaceEmbedder.from_preset(str(tmp_path / "preset"))
    rng = np.random.default_rng(2)
    a = rng.integers(0, 256, (4, 32, 32, 3)).astype("uint8")
    b = rng.integers(0, 256, (4, 32, 32, 3)).astype("uint8")
    np.testing.assert_allclose(
        loaded.embed(a), small_embedder.embed(a), atol=1e-5
    )
    sim, same = loaded.verify(a, a)
    np.testing.assert_allclose(sim, 1.0, atol=1e-5)
    assert same.all()
    sim, same = loaded.verify(a, b, threshold=2.0)
    assert not same.any() and sim.shape == (4,)


def test_from_preset_rejects_other_models(tmp_path):
    inputs = keras.Input((4,))
    other = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    kzoo.hub.save_preset(other, str(tmp_path / "other"))
    with pytest.raises(ValueError, match="not a FaceEmbedder"):
        face.FaceEmbedder.from_preset(str(tmp_path / "other"))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"backbone": "vgg"}, "Received: backbone='vgg'"),
        ({"embedding_dim": 0}, "Received: embedding_dim=0"),
        ({"image_size": 8}, "Received: image_size=8"),
        ({"width": -1.0}, "Received: width=-1.0"),
        ({"activation": "gelu"}, "Received: activation='gelu'"),
        ({"threshold": "high"}, "Received: threshold='high'"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        face.FaceEmbedder(**{"image_size": 32, "width": 0.25, **kwargs})


def test_embed_rejects_wrong_shape(small_embedder):
    with pytest.raises(ValueError, match=r"images.shape=\(2, 31, 32, 3\)"):
        small_embedder.embed(np.zeros((2, 31, 32, 3)))


# --- alignment ---------------------------------------------------------------


def test_similarity_transform_recovers_a_known_transform():
    rng = np.random.default_rng(0)
    src = rng.uniform(0, 100, (5, 2))
    angle, scale, shift = 0.3, 1.7, np.array([5.0, -3.0])
    rot = np.array(
        [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
    )
    dst = scale * src @ rot.T + shift
    m = face.similarity_transform(src, dst)
    np.testing.assert_allclose(m[:, :2], scale * rot, atol=1e-10)
    np.testing.assert_allclose(m[:, 2], shift, atol=1e-9)


def test_align_faces_moves_landmarks_onto_the_template():
    # A synthetic image with bright dots at known landmark positions, seen
    # rotated, scaled and shifted: after alignment the dots sit on the
    # template.
    size = 160
    angle, scale, shift = -0.2, 1.3, np.array([12.0, 20.0])
    rot = np.array(
        [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
    )
    points = face.TEMPLATE_112 @ (scale * rot).T + shift
    image = np.zeros((size, size, 3), "float32")
    yy, xx = np.mgrid[0:size, 0:size]
    for x, y in points:
        image += np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / 4.0)[..., None]
    aligned, m = face.align_faces(image, points)
    assert aligned.shape == (112, 112, 3)
    for tx, ty in face.TEMPLATE_112:
        # The intensity centroid of each dot lands on its template point.
        y0, x0 = int(round(ty)) - 4, int(round(tx)) - 4
        window = aligned[y0 : y0 + 9, x0 : x0 + 9, 0]
        wy, wx = np.mgrid[0:9, 0:9]
        cy = (window * wy).sum() / window.sum() + y0
        cx = (window * wx).sum() / window.sum() + x0
        assert abs(cx - tx) < 0.25 and abs(cy - ty) < 0.25, (tx, ty, cx, cy)
    mapped = points @ m[:, :2].T + m[:, 2]
    np.testing.assert_allclose(mapped, face.TEMPLATE_112, atol=1e-6)


def test_align_faces_checks_shapes():
    with pytest.raises(ValueError, match="landmarks.shape"):
        face.align_faces(np.zeros((2, 50, 50, 3)), np.zeros((2, 4, 2)))


# --- data and protocol -------------------------------------------------------


def test_identity_folder_and_pairs_file_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(20), 3)
    images = rng.integers(0, 256, (60, 24, 24, 3)).astype("uint8")
    root = str(tmp_path / "faces")
    face.save_identity_folder(root, images, labels)
    loaded, loaded_labels, names = face.load_identity_folder(
        root, image_size=None
    )
    assert len(names) == 20 and loaded.shape == images.shape
    # Folder order is sorted by name (id0, id1, id10, ...): compare per id.
    for name in names:
        original = images[labels == int(name[2:])]
        np.testing.assert_array_equal(
            loaded[loaded_labels == names.index(name)], original
        )
    protocol = face.write_pairs(
        str(tmp_path / "pairs.txt"), labels, folds=10, pairs_per_fold=4
    )
    parsed = face.parse_pairs(
        str(tmp_path / "pairs.txt"), root=root, extension=".png"
    )
    assert len(parsed["left"]) == 80
    np.testing.assert_array_equal(parsed["same"], protocol["same"])
    np.testing.assert_array_equal(parsed["fold"], protocol["fold"])
    for path, index in zip(parsed["left"], protocol["left"]):
        assert os.path.isfile(path)
        label = int(os.path.basename(os.path.dirname(path))[2:])
        assert label == labels[index]
    # Folds hold disjoint identities.
    ids = [
        set(labels[protocol["left"][protocol["fold"] == f]])
        | set(labels[protocol["right"][protocol["fold"] == f]])
        for f in range(10)
    ]
    for i in range(10):
        for j in range(i + 1, 10):
            assert not ids[i] & ids[j]
    same = protocol["same"]
    assert np.all(
        labels[protocol["left"][same]] == labels[protocol["right"][same]]
    )
    assert np.all(
        labels[protocol["left"][~same]] != labels[protocol["right"][~same]]
    )


def test_parse_pairs_rejects_bad_files(tmp_path):
    path = tmp_path / "pairs.txt"
    path.write_text("ten 300\n")
    with pytest.raises(ValueError, match="first line"):
        face.parse_pairs(str(path))
    path.write_text("1 1\nA 1 2\n")
    with pytest.raises(ValueError, match="has 1 pair lines"):
        face.parse_pairs(str(path))


def test_kfold_accuracy_and_tar_at_far_closed_forms():
    # Separable scores: every fold's threshold is perfect.
    same = np.tile([True] * 5 + [False] * 5, 10)
    fold = np.repeat(np.arange(10), 10)
    sim = np.where(same, 0.8, 0.2) + np.linspace(0, 0.01, 100)
    result = face.kfold_accuracy(sim, same, fold)
    assert result["accuracy"] == 1.0 and 0.2 < result["threshold"] < 0.8
    tar, threshold = face.tar_at_far(sim, same, far=1e-3)
    assert tar == 1.0 and threshold > sim[~same].max()
    # One impostor above every genuine pair: at FAR < 1/50 it must be
    # rejected, so the threshold rises above it and TAR drops to 0.
    sim2 = sim.copy()
    sim2[np.flatnonzero(~same)[0]] = 0.99
    tar, threshold = face.tar_at_far(sim2, same, far=1e-3)
    assert tar == 0.0 and threshold > 0.99
    tar, _ = face.tar_at_far(sim2, same, far=0.05)  # 2 of 50 allowed
    assert tar == 1.0
    # Random scores: about chance.
    rng = np.random.default_rng(0)
    result = face.kfold_accuracy(rng.uniform(size=100), same, fold)
    assert result["accuracy"] < 0.8


def test_evaluate_verification_writes_roc(tmp_path, small_embedder):
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(20), 2)
    images = rng.integers(0, 256, (40, 32, 32, 3)).astype("uint8")
    pairs = face.make_pairs(labels, folds=10, pairs_per_fold=2)
    result = face.evaluate_verification(
        small_embedder.embed,
        images,
        pairs,
        roc_path=str(tmp_path / "roc.png"),
    )
    assert 0.0 <= result["accuracy"] <= 1.0 and result["pairs"] == 40
    with open(tmp_path / "roc.png", "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
