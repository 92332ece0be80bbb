"""The face presets kzoo knows how to download.

Entries live in `presets.json` beside this file, written by
`tools/publish_presets.py` (which trains, evaluates and exports a model and
produces the release-asset folder and this entry). Each entry names the
release-asset URLs of `config.json`, `model.weights.h5` and `metadata.json`
with their SHA-256 digests; `FaceEmbedder.from_preset(name)` downloads and
verifies them through `kzoo.hub`.
"""

import json
import os

from kzoo.hub import Preset
from kzoo.hub import register_preset

REGISTRY_FILE = os.path.join(os.path.dirname(__file__), "presets.json")


def load_registry(path=REGISTRY_FILE):
    """The `Preset`s listed in a registry JSON file (a list of entries)."""
    if not os.path.isfile(path):
        return []
    with open(path) as f:
        return [Preset.from_json(entry) for entry in json.load(f)]


def register_all(path=REGISTRY_FILE):
    for preset in load_registry(path):
        register_preset(preset, overwrite=True)


register_all()
