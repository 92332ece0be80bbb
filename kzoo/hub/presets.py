"""Pretrained presets: a folder with `config.json` and `model.weights.h5`.

A preset is stored the way keras-hub stores them: the model's Keras config as
JSON (no pickles; loaded with Keras safe mode) and its weights as an HDF5
file, plus an optional `metadata.json` (training data, accuracy, size). The
registry maps preset names to release-asset URLs and their SHA-256 digests;
`kzoo.hub.load_preset(name)` downloads, verifies and caches them, and also
accepts a local preset folder.

The registry holds the presets registered with `register_preset` and, from
the first time it is read, those of every application's `presets.json`
(`kzoo.hub.discovery`: JSON only; an application is imported only when one
of its presets is loaded).
"""

import dataclasses
import json
import os
import shutil
import zipfile

import keras

from kzoo.api_export import kzoo_export
from kzoo.hub import discovery
from kzoo.hub.downloads import download
from kzoo.hub.downloads import get_cache_dir
from kzoo.hub.downloads import sha256_of

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
METADATA_FILE = "metadata.json"

# Presets registered with `register_preset`, and the application module (if
# any) to import before one is deserialized.
_REGISTERED = {}
_OWNERS = {}
# Presets found in the applications' registry files, per search path:
# {search path: {name: (Preset, application module)}}, read on first use.
_DISCOVERED = {}


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


def _discovered():
    key = tuple(discovery.search_path())
    if key not in _DISCOVERED:
        found = {}
        for path, application in discovery.find_registries():
            for preset in load_registry(path):
                if preset.name in found:
                    raise ValueError(
                        f"The preset {preset.name!r} is listed by two "
                        f"applications: {found[preset.name][1]!r} and "
                        f"{application!r} (registry {path!r})."
                    )
                found[preset.name] = (preset, application)
        _DISCOVERED[key] = found
    return _DISCOVERED[key]


def _lookup(name):
    """`(Preset, application module or None)`, or None when unknown.
    Presets registered explicitly win over discovered ones."""
    if name in _REGISTERED:
        return _REGISTERED[name], _OWNERS.get(name)
    return _discovered().get(name)


@kzoo_export("kzoo.hub.load_registry")
def load_registry(path):
    """The `Preset`s listed in a registry JSON file (a list of entries);
    file URLs without a scheme are resolved against the file's folder."""
    if not os.path.isfile(path):
        return []
    return [Preset.from_json(e) for e in discovery.read_registry(path)]


@kzoo_export("kzoo.hub.register_preset")
def register_preset(preset, overwrite=False, application=None):
    """Adds a `Preset` to the registry that `load_preset` and `kzoo presets`
    read. A name may be registered once unless `overwrite=True`.

    Args:
        preset: a `kzoo.hub.Preset`.
        overwrite: whether to replace a preset of the same name. Defaults
            to `False`.
        application: the module to import before the preset's config is
            deserialized (the one registering its classes with Keras).
            Defaults to `None`.
    """
    if not isinstance(preset, Preset):
        raise ValueError(
            f"`preset` must be a kzoo.hub.Preset. Received: {preset!r}"
        )
    if _lookup(preset.name) is not None and not overwrite:
        raise ValueError(
            f"A preset named {preset.name!r} is already registered. "
            "Pass overwrite=True to replace it."
        )
    _REGISTERED[preset.name] = preset
    _OWNERS[preset.name] = application
    return preset


@kzoo_export("kzoo.hub.list_presets")
def list_presets():
    """The registered presets, the applications' included, sorted by
    name."""
    merged = {name: p for name, (p, _) in _discovered().items()}
    merged.update(_REGISTERED)
    return [merged[k] for k in sorted(merged)]


def unregister_preset(name):
    """Removes a preset registered with `register_preset` (used by
    tests)."""
    _REGISTERED.pop(name, None)
    _OWNERS.pop(name, None)


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
    found = _lookup(name_or_dir)
    if found is None:
        known = ", ".join(p.name for p in list_presets()) or "none registered"
        raise ValueError(
            "`name_or_dir` must be a preset folder or a registered preset "
            f"name ({known}). Received: {name_or_dir!r}"
        )
    preset, _ = found
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
    # The application owning a registered preset registers the classes of
    # its config; a preset folder names its application's modules itself.
    name_or_dir = os.fspath(name_or_dir)
    found = None if os.path.isdir(name_or_dir) else _lookup(name_or_dir)
    if found is not None and found[1] is not None:
        discovery.import_application(found[1])
    discovery.import_config_modules(config)
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


@kzoo_export("kzoo.hub.resolve_model")
def resolve_model(name_or_path, arg_name="model"):
    """What a model argument names; the one place that resolves them.

    Used by `kzoo.export.export_model`, the `kzoo` commands and the tools:
    an existing file is a `.keras` file; an existing folder is a preset
    folder (it must hold `config.json` and `model.weights.h5`); anything
    else must be a registered preset name. Nothing is downloaded or loaded.

    Args:
        name_or_path: a path or a preset name.
        arg_name: the argument's name in error messages. Defaults to
            `"model"`.

    Returns:
        `("keras_file", absolute path)`, `("preset_folder", absolute path)`
        or `("preset", name)`.

    Raises:
        FileNotFoundError: no such file, folder or preset name, or a preset
            folder misses a file (the message names it).
    """
    value = os.fspath(name_or_path)
    if os.path.isfile(value):
        return "keras_file", os.path.abspath(value)
    if os.path.isdir(value):
        get_preset_dir(value)  # checks the folder's files
        return "preset_folder", os.path.abspath(value)
    if _lookup(value) is not None:
        return "preset", value
    known = ", ".join(p.name for p in list_presets()) or "none registered"
    raise FileNotFoundError(
        f"`{arg_name}` must be an existing `.keras` file, a preset folder or "
        f"a registered preset name ({known}). Received: "
        f"{arg_name}={value!r} (no such file)"
    )


@kzoo_export("kzoo.hub.load_model")
def load_model(name_or_path, cache_dir=None, arg_name="model"):
    """A Keras model from a `.keras` file, a preset folder or a preset name.

    The application classes the model uses are imported first (see
    `kzoo.hub.discovery`), so an application model loads after a plain
    `import kzoo`. `.keras` files load without their compile state.

    Args:
        name_or_path: see `resolve_model`.
        cache_dir: the cache root for registered presets. Defaults to
            `$KZOO_HOME` (`~/.kzoo`).
        arg_name: the argument's name in error messages. Defaults to
            `"model"`.

    Returns:
        The `keras.Model`.

    Raises:
        FileNotFoundError: see `resolve_model`.
        ValueError: the file could not be loaded as a Keras model (the
            message names the file and keeps Keras' reason).
    """
    kind, where = resolve_model(name_or_path, arg_name=arg_name)
    if kind != "keras_file":
        return load_preset(where, cache_dir=cache_dir)
    try:
        with zipfile.ZipFile(where) as archive:
            config = json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, KeyError, ValueError):
        config = None  # Keras explains below
    if config is not None:
        discovery.import_config_modules(config)
    try:
        return keras.saving.load_model(where, compile=False)
    except Exception as e:
        # Unknown custom objects, corrupt or non-Keras files: a bad argument
        # (a one-line CLI error), keeping Keras' explanation.
        reason = " ".join(str(e).split()) or type(e).__name__
        raise ValueError(
            f"`{arg_name}` could not be loaded as a Keras model ({reason}). "
            f"Custom objects must be registered by a module that "
            f"`import kzoo` imports, or by an application. Received: "
            f"{arg_name}={where!r}"
        ) from e
