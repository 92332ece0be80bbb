"""Preset folders, the registry, and downloads of presets from 127.0.0.1."""

import json
import os
import shutil

import keras
import numpy as np
import pytest

import kzoo
from kzoo.cli import main
from kzoo.hub.presets import unregister_preset
from tests.hub.server import FileServer


def tiny_model():
    inputs = keras.Input((6,))
    x = keras.layers.Dense(4)(inputs)
    outputs = kzoo.layers.L2Normalization()(x)
    return keras.Model(inputs, outputs, name="tiny_embedder")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A saved preset folder, a tampered copy, and a server for both."""
    root = tmp_path_factory.mktemp("release")
    model = tiny_model()
    digests = kzoo.hub.save_preset(
        model, str(root / "good"), metadata={"accuracy": 0.5}
    )
    bad = root / "bad"
    shutil.copytree(root / "good", bad)
    with open(bad / "model.weights.h5", "r+b") as f:  # flip one byte
        f.seek(-1, os.SEEK_END)
        last = f.read(1)
        f.seek(-1, os.SEEK_END)
        f.write(bytes([last[0] ^ 0xFF]))
    x = np.random.default_rng(0).normal(size=(3, 6)).astype("float32")
    with FileServer(str(root / "good")) as server:
        yield {
            "model": model,
            "digests": digests,
            "server": server,
            "good": root / "good",
            "bad": bad,
            "x": x,
        }


@pytest.fixture
def registered(published):
    names = []

    def register(name, folder, mode=None):
        base = published["server"].url("", mode=mode).rstrip("/")
        preset = kzoo.hub.preset_from_folder(
            name, str(folder), base, description="test preset", accuracy=0.5
        )
        # The tampered folder's files are served under the good names; its
        # registry entry carries the GOOD digests, as a compromised mirror.
        files = {
            k: (v[0], published["digests"][k]) for k, v in preset.files.items()
        }
        preset = kzoo.hub.Preset(
            name, files, preset.metadata, preset.description
        )
        kzoo.hub.register_preset(preset)
        names.append(name)
        return preset

    yield register
    for name in names:
        unregister_preset(name)


def test_save_and_load_local_folder(published):
    folder = published["good"]
    assert sorted(os.listdir(folder)) == [
        "config.json",
        "metadata.json",
        "model.weights.h5",
    ]
    config = json.loads((folder / "config.json").read_text())
    assert config["class_name"] == "Functional"
    loaded = kzoo.hub.load_preset(str(folder))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded(published["x"])),
        keras.ops.convert_to_numpy(published["model"](published["x"])),
        atol=1e-6,
    )


def test_load_registered_preset_downloads_once(published, registered, tmp_path):
    registered("tiny-good", published["good"])
    server = published["server"]
    loaded = kzoo.hub.load_preset("tiny-good", cache_dir=tmp_path)
    folder = tmp_path / "presets" / "tiny-good"
    assert sorted(os.listdir(folder)) == [
        "config.json",
        "metadata.json",
        "model.weights.h5",
    ]
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded(published["x"])),
        keras.ops.convert_to_numpy(published["model"](published["x"])),
        atol=1e-6,
    )
    before = dict(server.requests)
    kzoo.hub.load_preset("tiny-good", cache_dir=tmp_path)
    assert server.requests == before


def test_prefixed_release_assets(published, tmp_path):
    # Release assets share one flat namespace: the registry names
    # "<prefix><file>" URLs, and the files land under their own names.
    flat = tmp_path / "release"
    flat.mkdir()
    for name in os.listdir(published["good"]):
        shutil.copy(published["good"] / name, flat / f"tiny-{name}")
    with FileServer(str(flat)) as server:
        preset = kzoo.hub.preset_from_folder(
            "tiny-prefixed",
            str(published["good"]),
            server.url("").rstrip("/"),
            asset_prefix="tiny-",
        )
        assert preset.files["config.json"][0].endswith("/tiny-config.json")
        kzoo.hub.register_preset(preset)
        try:
            loaded = kzoo.hub.load_preset("tiny-prefixed", cache_dir=tmp_path)
        finally:
            unregister_preset("tiny-prefixed")
    assert sorted(os.listdir(tmp_path / "presets" / "tiny-prefixed")) == [
        "config.json",
        "metadata.json",
        "model.weights.h5",
    ]
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded(published["x"])),
        keras.ops.convert_to_numpy(published["model"](published["x"])),
        atol=1e-6,
    )


def test_tampered_weights_raise_and_leave_nothing(
    published, registered, tmp_path
):
    with FileServer(str(published["bad"])) as bad_server:
        base = bad_server.url("").rstrip("/")
        files = {
            k: (f"{base}/{k}", sha) for k, sha in published["digests"].items()
        }
        kzoo.hub.register_preset(kzoo.hub.Preset("tiny-bad", files))
        try:
            with pytest.raises(kzoo.hub.ChecksumError):
                kzoo.hub.load_preset("tiny-bad", cache_dir=tmp_path)
        finally:
            unregister_preset("tiny-bad")
    folder = tmp_path / "presets" / "tiny-bad"
    assert "model.weights.h5" not in os.listdir(folder)
    assert not [n for n in os.listdir(folder) if n.endswith(".part")]


def test_interrupted_preset_download(published, registered, tmp_path):
    registered("tiny-cut", published["good"], mode="truncated")
    with pytest.raises(kzoo.hub.DownloadError):
        kzoo.hub.load_preset("tiny-cut", cache_dir=tmp_path)
    folder = tmp_path / "presets" / "tiny-cut"
    assert os.listdir(folder) == []


def test_unknown_preset_and_bad_folder(tmp_path):
    with pytest.raises(ValueError, match="Received: 'no-such-preset'"):
        kzoo.hub.load_preset("no-such-preset")
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match="model.weights.h5"):
        kzoo.hub.get_preset_dir(str(tmp_path))


def test_preset_validation_and_duplicates(published, registered):
    with pytest.raises(ValueError, match="must include"):
        kzoo.hub.Preset("x", {"config.json": ("u", "0" * 64)})
    registered("tiny-dup", published["good"])
    with pytest.raises(ValueError, match="already registered"):
        kzoo.hub.register_preset(kzoo.hub.list_presets()[0])


def test_presets_command_lists_registry(published, registered, capsys):
    registered("tiny-listed", published["good"])
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    assert "tiny-listed" in out and "test preset" in out
    assert "accuracy: 0.5" in out
    assert main(["presets", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    entry = next(p for p in listed if p["name"] == "tiny-listed")
    assert entry["metadata"]["size_bytes"] > 0
    assert kzoo.hub.Preset.from_json(entry) == kzoo.hub.Preset(
        "tiny-listed",
        {k: tuple(v) for k, v in entry["files"].items()},
        entry["metadata"],
        entry["description"],
    )
