"""Pretrained presets: a folder with `config.json` and `model.weights.h5`.

A preset is stored the way keras-hub stores them: the model's Keras config as
JSON (no pickles; loaded with Keras safe mode) and its weights as an HDF5
file, plus an optional `metadata.json` (training data, accuracy, size). The
registry maps preset names to release-asset URLs and their SHA-256 digests;
`kzoo.hub.load_preset(name)` downloads, verifies and caches them, and also
accepts a local preset folder.
"""

import dataclasses
import json
import os
import shutil

import keras

from kzoo.api_export import kzoo_export
from kzoo.hub.download import download
from kzoo.hub.download import get_cache_dir
from kzoo.hub.download import sha256_of

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
METADATA_FILE = "metadata.json"

_REGISTRY = {}


@kzoo_export("kzoo.hub.Preset")
@dataclasses.dataclass(frozen=True)
class Preset:
    """A registered preset: its files' URLs and digests, and metadata.

    Args:
        name: the preset name, e.g. `"mobilefacenet_synthfaces"`.
        files: `{filename: (url, sha256)}`; must include `config.json` and
            `model.weights.h5`.
        metadata: free-form facts shown by `kzoo presets` (training data,
            accuracy, parameter count, size in bytes).
        description: one line for listings.
    """

    name: str
    files: dict
    metadata: dict = dataclasses.field(default_factory=dict)
    description: str = ""

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(
                f"`name` must be a non-empty string. Received: {self.name!r}"
            )
        missing = {CONFIG_FILE, WEIGHTS_FILE} - set(self.files)
        if missing:
            raise ValueError(
                f"`files` must include {sorted(missing)}. "
                f"Received: files={sorted(self.files)}"
            )

    @property
    def size(self):
        """Total size in bytes when the metadata records it, else None."""
        return self.metadata.get("size_bytes")

    def to_json(self):
        return {
            "name": self.name,
            "description": self.description,
            "files": {k: list(v) for k, v in self.files.items()},
            "metadata": self.metadata,
        }

    @classmethod
    def from_json(cls, data):
        return cls(
            name=data["name"],
            files={k: tuple(v) for k, v in data["files"].items()},
            metadata=dict(data.get("metadata", {})),
            description=data.get("description", ""),
        )


@kzoo_export("kzoo.hub.register_preset")
def register_preset(preset, overwrite=False):
    """Adds a `Preset` to the registry that `load_preset` and `kzoo presets`
    read. A name may be registered once unless `overwrite=True`."""
    if not isinstance(preset, Preset):
        raise ValueError(
            f"`preset` must be a kzoo.hub.Preset. Received: {preset!r}"
        )
    if preset.name in _REGISTRY and not overwrite:
        raise ValueError(
            f"A preset named {preset.name!r} is already registered. "
            "Pass overwrite=True to replace it."
        )
    _REGISTRY[preset.name] = preset
    return preset


@kzoo_export("kzoo.hub.list_presets")
def list_presets():
    """The registered presets, sorted by name."""
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def unregister_preset(name):
    """Removes a preset (used by tests)."""
    _REGISTRY.pop(name, None)


@kzoo_export("kzoo.hub.get_preset_dir")
def get_preset_dir(name_or_dir, cache_dir=None):
    """A local folder holding the preset's files.

    Args:
        name_or_dir: a folder containing `config.json` and
            `model.weights.h5`, or a registered preset name, whose files are
            downloaded (verified, cached) into
            `<cache_dir>/presets/<name>/`.
        cache_dir: the cache root. Defaults to `$KZOO_HOME` (`~/.kzoo`).

    Returns:
        The folder's path.
    """
    name_or_dir = os.fspath(name_or_dir)
    if os.path.isdir(name_or_dir):
        for required in (CONFIG_FILE, WEIGHTS_FILE):
            if not os.path.isfile(os.path.join(name_or_dir, required)):
                raise FileNotFoundError(
                    f"The preset folder {name_or_dir!r} has no {required}."
                )
        return name_or_dir
    if name_or_dir not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY)) or "none registered"
        raise ValueError(
            "`name_or_dir` must be a preset folder or a registered preset "
            f"name ({known}). Received: {name_or_dir!r}"
        )
    preset = _REGISTRY[name_or_dir]
    root = get_cache_dir() if cache_dir is None else os.fspath(cache_dir)
    folder = os.path.join(root, "presets", preset.name)
    for filename, (url, sha256) in preset.files.items():
        path = download(url, sha256, cache_dir=folder, filename=filename)
        target = os.path.join(folder, filename)
        if os.path.abspath(path) != os.path.abspath(target):
            # A local or file:// asset is verified in place; copy it so the
            # preset folder is complete (atomically, like a download).
            os.makedirs(folder, exist_ok=True)
            partial = target + ".part"
            shutil.copyfile(path, partial)
            os.replace(partial, target)
    return folder


@kzoo_export("kzoo.hub.save_preset")
def save_preset(model, directory, metadata=None):
    """Writes `model` as a preset folder and returns `{filename: sha256}`.

    The folder gets `config.json` (the Keras config, serialized with
    `keras.saving.serialize_keras_object`), `model.weights.h5` and, when
    `metadata` is given, `metadata.json`.
    """
    os.makedirs(directory, exist_ok=True)
    config = keras.saving.serialize_keras_object(model)
    with open(os.path.join(directory, CONFIG_FILE), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
    model.save_weights(os.path.join(directory, WEIGHTS_FILE))
    if metadata is not None:
        with open(os.path.join(directory, METADATA_FILE), "w") as f:
            json.dump(metadata, f, indent=2, sort_keys=True)
    return {
        name: sha256_of(os.path.join(directory, name))
        for name in sorted(os.listdir(directory))
        if name in (CONFIG_FILE, WEIGHTS_FILE, METADATA_FILE)
    }


@kzoo_export("kzoo.hub.load_preset")
def load_preset(name_or_dir, cache_dir=None):
    """Builds the model of a preset and loads its weights.

    The config is deserialized in Keras safe mode (no lambdas or pickles);
    kzoo's own classes resolve without `custom_objects`.

    Args:
        name_or_dir: a preset folder or a registered preset name.
        cache_dir: the cache root. Defaults to `$KZOO_HOME` (`~/.kzoo`).

    Returns:
        The Keras model with the preset's weights.
    """
    folder = get_preset_dir(name_or_dir, cache_dir=cache_dir)
    with open(os.path.join(folder, CONFIG_FILE)) as f:
        config = json.load(f)
    model = keras.saving.deserialize_keras_object(config, safe_mode=True)
    model.load_weights(os.path.join(folder, WEIGHTS_FILE))
    return model


@kzoo_export("kzoo.hub.preset_from_folder")
def preset_from_folder(
    name, directory, base_url, description="", asset_prefix="", **metadata
):
    """A registry entry for a preset folder published under `base_url`.

    Every file of the folder is listed with the URL
    `base_url/<asset_prefix><filename>` and its SHA-256 (release assets are
    one flat namespace, so several presets in one release need a prefix such
    as `"<name>-"`; the files are still saved under their own names);
    `metadata` gets `size_bytes` added. Used by `tools/publish_presets.py`.
    """
    files = {}
    size = 0
    for filename in sorted(os.listdir(directory)):
        path = os.path.join(directory, filename)
        if not os.path.isfile(path) or filename.startswith("."):
            continue
        files[filename] = (
            base_url.rstrip("/") + "/" + asset_prefix + filename,
            sha256_of(path),
        )
        size += os.path.getsize(path)
    return Preset(
        name=name,
        files=files,
        metadata={**metadata, "size_bytes": size},
        description=description,
    )
