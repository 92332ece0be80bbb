"""Verified downloads and pretrained presets (`kzoo.hub`).

- `download(url, sha256)` streams a file into the cache (`$KZOO_HOME`,
  default `~/.kzoo`), verifies its SHA-256 and renames it into place
  atomically; `KZOO_OFFLINE=1` forbids network access.
- Presets are folders with `config.json` and `model.weights.h5`;
  `load_preset(name_or_dir)` fetches a registered one or reads a local one.
  Every application's `presets.json` is read (as JSON, importing nothing)
  the first time presets are listed or loaded (`kzoo.hub.discovery`).
- `resolve_model` / `load_model` accept what a user may pass as a model: a
  `.keras` file, a preset folder or a registered preset name.
"""

from kzoo.hub.downloads import ChecksumError
from kzoo.hub.downloads import DownloadError
from kzoo.hub.downloads import OfflineError
from kzoo.hub.downloads import download
from kzoo.hub.downloads import get_cache_dir
from kzoo.hub.downloads import is_offline
from kzoo.hub.downloads import sha256_of
from kzoo.hub.presets import Preset
from kzoo.hub.presets import get_preset_dir
from kzoo.hub.presets import list_presets
from kzoo.hub.presets import load_model
from kzoo.hub.presets import load_preset
from kzoo.hub.presets import load_registry
from kzoo.hub.presets import preset_from_folder
from kzoo.hub.presets import register_preset
from kzoo.hub.presets import resolve_model
from kzoo.hub.presets import save_preset

__all__ = [
    "ChecksumError",
    "DownloadError",
    "OfflineError",
    "Preset",
    "download",
    "get_cache_dir",
    "get_preset_dir",
    "is_offline",
    "list_presets",
    "load_model",
    "load_preset",
    "load_registry",
    "preset_from_folder",
    "register_preset",
    "resolve_model",
    "save_preset",
    "sha256_of",
]
