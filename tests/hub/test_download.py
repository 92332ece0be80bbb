"""`kzoo.hub.download` against a real HTTP server on 127.0.0.1."""

import hashlib
import os
import pathlib

import pytest

import kzoo
from tests.hub.server import FileServer

PAYLOAD = os.urandom(3 * (1 << 20) + 123)  # several 1 MiB chunks
SHA = hashlib.sha256(PAYLOAD).hexdigest()
OTHER_SHA = hashlib.sha256(b"something else").hexdigest()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("served")
    (root / "asset.bin").write_bytes(PAYLOAD)
    with FileServer(str(root)) as s:
        yield s


def cache_files(cache):
    return sorted(p.name for p in pathlib.Path(cache).iterdir())


def test_download_verifies_and_caches(server, tmp_path):
    cache = tmp_path / "cache"
    path = kzoo.hub.download(server.url("asset.bin"), SHA, cache_dir=cache)
    assert path == str(cache / "asset.bin")
    assert pathlib.Path(path).read_bytes() == PAYLOAD
    assert cache_files(cache) == ["asset.bin"]  # no temporary left over
    before = server.requests.get("/asset.bin", 0)
    again = kzoo.hub.download(server.url("asset.bin"), SHA, cache_dir=cache)
    assert again == path
    assert server.requests.get("/asset.bin", 0) == before  # no new request


def test_cached_file_that_no_longer_verifies_is_fetched_again(server, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "asset.bin").write_bytes(b"corrupted")
    path = kzoo.hub.download(server.url("asset.bin"), SHA, cache_dir=cache)
    assert pathlib.Path(path).read_bytes() == PAYLOAD


def test_checksum_mismatch_leaves_nothing(server, tmp_path):
    cache = tmp_path / "cache"
    with pytest.raises(kzoo.hub.ChecksumError, match="SHA-256 mismatch"):
        kzoo.hub.download(server.url("asset.bin"), OTHER_SHA, cache_dir=cache)
    assert issubclass(kzoo.hub.ChecksumError, ValueError)
    assert cache_files(cache) == []


def test_interrupted_transfer_leaves_nothing(server, tmp_path):
    cache = tmp_path / "cache"
    with pytest.raises(kzoo.hub.DownloadError):
        kzoo.hub.download(
            server.url("asset.bin", mode="truncated"),
            SHA,
            cache_dir=cache,
            filename="asset.bin",
        )
    assert cache_files(cache) == []


def test_http_error_leaves_nothing(server, tmp_path):
    cache = tmp_path / "cache"
    with pytest.raises(kzoo.hub.DownloadError, match="404"):
        kzoo.hub.download(
            server.url("asset.bin", mode="missing"), SHA, cache_dir=cache
        )
    assert cache_files(cache) == []


def test_offline_switch(server, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("KZOO_OFFLINE", "1")
    with pytest.raises(kzoo.hub.OfflineError, match="KZOO_OFFLINE"):
        kzoo.hub.download(server.url("asset.bin"), SHA, cache_dir=cache)
    assert server.requests.get("/offline-never-asked", 0) == 0
    monkeypatch.delenv("KZOO_OFFLINE")
    kzoo.hub.download(server.url("asset.bin"), SHA, cache_dir=cache)
    monkeypatch.setenv("KZOO_OFFLINE", "1")
    before = dict(server.requests)
    path = kzoo.hub.download(server.url("asset.bin"), SHA, cache_dir=cache)
    assert pathlib.Path(path).read_bytes() == PAYLOAD
    assert server.requests == before


def test_default_cache_is_kzoo_home(server, tmp_path, monkeypatch):
    monkeypatch.setenv("KZOO_HOME", str(tmp_path / "home"))
    path = kzoo.hub.download(server.url("asset.bin"), SHA)
    assert path == str(tmp_path / "home" / "downloads" / "asset.bin")
    assert kzoo.hub.get_cache_dir() == str(tmp_path / "home")


def test_file_url_and_local_path(tmp_path):
    local = tmp_path / "local.bin"
    local.write_bytes(PAYLOAD)
    assert kzoo.hub.download(str(local), SHA) == str(local)
    assert kzoo.hub.download(local.as_uri(), SHA) == str(local)
    with pytest.raises(kzoo.hub.ChecksumError):
        kzoo.hub.download(local.as_uri(), OTHER_SHA)
    with pytest.raises(FileNotFoundError):
        kzoo.hub.download(str(tmp_path / "absent.bin"), SHA)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sha256": "abc"}, "Received: sha256='abc'"),
        ({"sha256": None}, "Received: sha256=None"),
        ({"url": ""}, "`url` must be a non-empty string"),
        ({"url": "gopher://x/y"}, "Received: url='gopher://x/y'"),
        (
            {"url": "http://127.0.0.1:9/", "filename": None},
            "`filename` must be a plain file name",
        ),
    ],
)
def test_bad_arguments(kwargs, message):
    args = {"url": "http://127.0.0.1:9/a.bin", "sha256": SHA, **kwargs}
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        kzoo.hub.download(**args)
