"""Preset folders, the registry, and downloads of presets from 127.0.0.1."""

import importlib
import json
import os
import shutil
import sys

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


_DEMO_APP = '''
"""A second application, found by kzoo.hub through its presets.json."""
import keras


@keras.saving.register_keras_serializable(package="kzoo_demo_app")
class DemoScale(keras.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
'''


@pytest.fixture
def second_application(tmp_path, published):
    """A package `kzoo_demo_apps` with one application `demo` whose
    registry lists a preset on the local server and a bundled one (relative
    paths); the search path holds it and the real applications."""
    from kzoo.hub import discovery

    root = tmp_path / "site"
    apps = root / "kzoo_demo_apps"
    (apps / "demo").mkdir(parents=True)
    (apps / "__init__.py").write_text("")
    (apps / "demo" / "__init__.py").write_text(_DEMO_APP)
    sys.path.insert(0, str(root))
    try:
        demo = importlib.import_module("kzoo_demo_apps.demo")
        inputs = keras.Input((6,))
        outputs = demo.DemoScale(3.0)(keras.layers.Dense(4)(inputs))
        model = keras.Model(inputs, outputs)
        release = tmp_path / "release"
        kzoo.hub.save_preset(model, str(release))
        bundled = apps / "demo" / "presets" / "demo_bundled"
        shutil.copytree(release, bundled)
        with FileServer(str(release)) as server:
            served = kzoo.hub.preset_from_folder(
                "demo_served", str(release), server.url("").rstrip("/")
            ).to_json()
            local = kzoo.hub.preset_from_folder(
                "demo_bundled", str(bundled), "presets/demo_bundled"
            ).to_json()
            (apps / "demo" / "presets.json").write_text(
                json.dumps([served, local])
            )
            # Forget the application: loading a preset must import it.
            for name in [m for m in sys.modules if m.startswith("kzoo_demo")]:
                del sys.modules[name]
            keras.saving.get_custom_objects().pop("kzoo_demo_app>DemoScale")
            previous = discovery.set_search_path(
                [(str(apps), "kzoo_demo_apps")] + discovery.search_path()
            )
            try:
                yield {
                    "apps": apps,
                    "model": model,
                    "server": server,
                    "x": published["x"],
                }
            finally:
                discovery.set_search_path(previous)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m.startswith("kzoo_demo")]:
            del sys.modules[name]


def test_presets_of_a_second_application_are_discovered_lazily(
    second_application, tmp_path, capsys
):
    names = [p.name for p in kzoo.hub.list_presets()]
    assert {"demo_served", "demo_bundled", "mobilefacenet_synthfaces"} <= set(
        names
    )
    # Listing read JSON only.
    assert "kzoo_demo_apps.demo" not in sys.modules
    assert main(["presets"]) == 0
    assert "demo_served" in capsys.readouterr().out
    assert "kzoo_demo_apps.demo" not in sys.modules
    # Relative URLs are resolved against the registry file.
    bundled = {p.name: p for p in kzoo.hub.list_presets()}["demo_bundled"]
    url = bundled.files["config.json"][0]
    assert url == str(
        second_application["apps"]
        / "demo"
        / "presets"
        / "demo_bundled"
        / "config.json"
    )
    expected = keras.ops.convert_to_numpy(
        second_application["model"](second_application["x"])
    )
    for name in ("demo_served", "demo_bundled"):
        loaded = kzoo.hub.load_preset(name, cache_dir=tmp_path / name)
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(loaded(second_application["x"])),
            expected,
            atol=1e-6,
        )
        assert "kzoo_demo_apps.demo" in sys.modules  # imported to load it
        assert type(loaded.layers[-1]).__name__ == "DemoScale"
    assert second_application["server"].requests  # served over HTTP


def test_registry_errors_name_the_file(tmp_path):
    from kzoo.hub import discovery

    for app, text in (("one", "[1, 2"), ("two", '{"name": "x"}')):
        (tmp_path / app).mkdir()
        (tmp_path / app / "presets.json").write_text(text)
        previous = discovery.set_search_path([(str(tmp_path), "nowhere")])
        try:
            with pytest.raises(ValueError, match=f"{app}/presets.json"):
                kzoo.hub.list_presets()
        finally:
            discovery.set_search_path(previous)
        (tmp_path / app / "presets.json").unlink()


def test_a_preset_listed_by_two_applications_is_an_error(tmp_path):
    from kzoo.hub import discovery

    entry = {
        "name": "twice",
        "files": {"config.json": ["a", "0"], "model.weights.h5": ["b", "0"]},
    }
    for app in ("one", "two"):
        (tmp_path / app).mkdir()
        (tmp_path / app / "presets.json").write_text(json.dumps([entry]))
    previous = discovery.set_search_path([(str(tmp_path), "apps")])
    try:
        with pytest.raises(ValueError, match="'apps.one' and 'apps.two'"):
            kzoo.hub.list_presets()
    finally:
        discovery.set_search_path(previous)


def test_resolve_model(published, tmp_path):
    keras_file = tmp_path / "m.keras"
    published["model"].save(keras_file)
    assert kzoo.hub.resolve_model(keras_file) == (
        "keras_file",
        str(keras_file),
    )
    assert kzoo.hub.resolve_model(published["good"]) == (
        "preset_folder",
        str(published["good"]),
    )
    assert kzoo.hub.resolve_model("mobilefacenet_synthfaces") == (
        "preset",
        "mobilefacenet_synthfaces",
    )
    with pytest.raises(FileNotFoundError, match="Received: model='nope'"):
        kzoo.hub.resolve_model("nope")
    with pytest.raises(FileNotFoundError, match="has no config.json"):
        kzoo.hub.resolve_model(tmp_path)
    loaded = kzoo.hub.load_model(keras_file)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded(published["x"])),
        keras.ops.convert_to_numpy(published["model"](published["x"])),
        atol=1e-6,
    )
