"""The face presets kzoo knows how to download.

Entries live in `presets.json` beside this file, written by
`tools/publish_presets.py` (which trains, evaluates and exports a model and
produces the release-asset folder and this entry). Each entry names the
release-asset URLs of `config.json`, `model.weights.h5` and `metadata.json`
with their SHA-256 digests; `FaceEmbedder.from_preset(name)` downloads and
verifies them through `kzoo.hub`.

`kzoo.hub` finds `presets.json` by itself (it reads every application's
registry, as JSON, the first time presets are listed or loaded), so nothing
here runs at import time. A URL without a scheme is a path relative to the
registry file: presets whose files ship inside this package
(`presets/<name>/`) are listed that way, and still go through the same
verified, cached download.
"""

import os

REGISTRY_FILE = os.path.join(os.path.dirname(__file__), "presets.json")


def load_registry(path=REGISTRY_FILE):
    """The `kzoo.hub.Preset`s listed in a registry JSON file (by default the
    face application's); relative file URLs are resolved against the file's
    folder."""
    from kzoo.hub import load_registry

    return load_registry(path)
