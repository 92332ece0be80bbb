"""Where presets and application classes come from, found without imports.

Every application is a package `kzoo.applications.<app>` (the top-level
`applications/<app>/` folder) and may ship a preset registry,
`applications/<app>/presets.json`: a JSON list of entries

    {"name": ..., "description": ..., "metadata": {...},
     "files": {"config.json": [URL, SHA256], "model.weights.h5": [...]}}

`kzoo.hub` reads these files the first time presets are listed or loaded
(`find_registries`), as JSON only: listing presets imports no application.
A file URL without a scheme is a path relative to the registry file (for
presets that ship inside the package). When a preset is loaded, the
application whose folder holds its registry is imported first
(`import_application`), so that the classes it registers with Keras exist
before the config is deserialized.

The search path is a list of `(folder, package)` pairs: each sub-folder of
`folder` with a `presets.json` is the application `<package>.<sub-folder>`.
It defaults to the `kzoo.applications` package; `set_search_path` replaces
it (tests use it to add a second, temporary application). `kzoo.hub` reads
the registries of a search path once.

This module imports only the standard library.
"""

import importlib
import importlib.util
import json
import os

REGISTRY_FILENAME = "presets.json"
APPLICATIONS_PACKAGE = "kzoo.applications"

_search_path = None  # None: the default (the kzoo.applications folder)


def _default_search_path():
    # `find_spec` locates the package without running its `__init__`.
    spec = importlib.util.find_spec(APPLICATIONS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return []
    return [
        (os.fspath(folder), APPLICATIONS_PACKAGE)
        for folder in spec.submodule_search_locations
    ]


def search_path():
    """The `(folder, package)` pairs searched for application registries."""
    if _search_path is None:
        return _default_search_path()
    return list(_search_path)


def set_search_path(pairs):
    """Replaces the search path; `None` restores the default.

    Args:
        pairs: a list of `(folder, package)`: every sub-folder `app` of
            `folder` holding a `presets.json` is the application
            `<package>.<app>`, importable once `folder`'s parent is on
            `sys.path`. `None` restores `[(applications folder,
            "kzoo.applications")]`.

    Returns:
        The previous value (`None` for the default), for restoring it.
    """
    global _search_path
    previous = _search_path
    _search_path = (
        None if pairs is None else [(os.fspath(f), p) for f, p in pairs]
    )
    return previous


def find_registries():
    """`(registry_path, application_module)` for every application registry
    on the search path, in search-path then folder-name order."""
    found = []
    for folder, package in search_path():
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name, REGISTRY_FILENAME)
            if name.startswith(("_", ".")) or not os.path.isfile(path):
                continue
            found.append((path, f"{package}.{name}"))
    return found


def _resolve(url, root):
    if "://" in url or os.path.isabs(url):
        return url
    return os.path.join(root, *url.split("/"))


def read_registry(path):
    """The entries of a registry file, relative file URLs made absolute.

    Args:
        path: a `presets.json` file.

    Returns:
        A list of entry dicts (`name`, `description`, `files`, `metadata`),
        with every `files` URL without a scheme resolved against the
        folder of `path`.

    Raises:
        ValueError: the file is not a JSON list of entries with `name` and
            `files`; the message names the file.
    """
    root = os.path.dirname(os.path.abspath(path))
    try:
        with open(path) as f:
            entries = json.load(f)
    except json.JSONDecodeError as e:
        raise ValueError(
            f"The preset registry {path!r} is not valid JSON ({e})."
        ) from None
    if not isinstance(entries, list):
        raise ValueError(
            f"The preset registry {path!r} must hold a JSON list of "
            f"entries. Received: a {type(entries).__name__}"
        )
    resolved = []
    for entry in entries:
        if (
            not isinstance(entry, dict)
            or "name" not in entry
            or not isinstance(entry.get("files"), dict)
        ):
            raise ValueError(
                f"Every entry of the preset registry {path!r} must be an "
                f"object with `name` and `files`. Received: {entry!r}"
            )
        entry = dict(entry)
        entry["files"] = {
            filename: [_resolve(url, root), sha256]
            for filename, (url, sha256) in entry["files"].items()
        }
        resolved.append(entry)
    return resolved


def import_application(module_name):
    """Imports an application package (registering its Keras classes)."""
    return importlib.import_module(module_name)


def _config_modules(config):
    if isinstance(config, dict):
        module = config.get("module")
        if isinstance(module, str) and "class_name" in config:
            yield module
        for value in config.values():
            yield from _config_modules(value)
    elif isinstance(config, list):
        for value in config:
            yield from _config_modules(value)


def import_config_modules(config):
    """Imports the application modules a Keras config names.

    Keras records the defining module of every registered class in its
    config (`"module": "kzoo.applications.face.model"`). Before such a
    config is deserialized, the modules of classes that come from an
    application on the search path are imported, so that a `.keras` file or
    a preset folder of an application model loads after a plain
    `import kzoo`. Modules outside the applications are never imported.

    Args:
        config: a Keras config (nested dicts and lists).

    Returns:
        The sorted names of the modules imported.
    """
    packages = tuple(f"{package}." for _, package in search_path())
    modules = sorted(
        {m for m in _config_modules(config) if m.startswith(packages)}
    )
    for module in modules:
        importlib.import_module(module)
    return modules
