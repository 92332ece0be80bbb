"""The face presets kzoo knows how to download.

Entries live in `presets.json` beside this file, written by
`tools/publish_presets.py` (which trains, evaluates and exports a model and
produces the release-asset folder and this entry). Each entry names the
release-asset URLs of `config.json`, `model.weights.h5` and `metadata.json`
with their SHA-256 digests; `FaceEmbedder.from_preset(name)` downloads and
verifies them through `kzoo.hub`.

A URL without a scheme is a path relative to the registry file: presets whose
files ship inside this package (`presets/<name>/`) are listed that way, and
still go through the same verified, cached download.
"""

import json
import os

from kzoo.hub import Preset
from kzoo.hub import register_preset

REGISTRY_FILE = os.path.join(os.path.dirname(__file__), "presets.json")


def _resolve(url, root):
    if "://" in url or os.path.isabs(url):
        return url
    return os.path.join(root, *url.split("/"))


def load_registry(path=REGISTRY_FILE):
    """The `Preset`s listed in a registry JSON file (a list of entries);
    relative file URLs are resolved against the file's folder."""
    if not os.path.isfile(path):
        return []
    root = os.path.dirname(os.path.abspath(path))
    with open(path) as f:
        entries = json.load(f)
    for entry in entries:
        entry["files"] = {
            name: [_resolve(url, root), sha]
            for name, (url, sha) in entry["files"].items()
        }
    return [Preset.from_json(entry) for entry in entries]


def register_all(path=REGISTRY_FILE):
    for preset in load_registry(path):
        register_preset(preset, overwrite=True)


register_all()
