"""Verified, atomic, cached downloads."""

import hashlib
import os
import re
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from kzoo.api_export import kzoo_export

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20


@kzoo_export("kzoo.hub.ChecksumError")
class ChecksumError(ValueError):
    """A file's SHA-256 differs from the one it was published with.

    Raised by `kzoo.hub.download`; nothing is left in the cache.
    """


@kzoo_export("kzoo.hub.DownloadError")
class DownloadError(OSError):
    """A transfer failed or ended early; nothing is left in the cache."""


@kzoo_export("kzoo.hub.OfflineError")
class OfflineError(RuntimeError):
    """`KZOO_OFFLINE=1` is set and the file is not in the cache."""


@kzoo_export("kzoo.hub.get_cache_dir")
def get_cache_dir():
    """The kzoo cache: `$KZOO_HOME`, else `~/.kzoo`.

    Returns:
        The absolute path (it may not exist yet).
    """
    home = os.environ.get("KZOO_HOME") or os.path.join(
        os.path.expanduser("~"), ".kzoo"
    )
    return os.path.abspath(home)


@kzoo_export("kzoo.hub.is_offline")
def is_offline():
    """Whether `KZOO_OFFLINE` is set to a true value (1, true, yes, on)."""
    value = os.environ.get("KZOO_OFFLINE", "").strip().lower()
    return value in ("1", "true", "yes", "on")


@kzoo_export("kzoo.hub.sha256_of")
def sha256_of(path):
    """The hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_sha256(sha256):
    if not isinstance(sha256, str) or not _SHA256.match(sha256.lower()):
        raise ValueError(
            "`sha256` must be a 64-character hexadecimal SHA-256 digest. "
            f"Received: sha256={sha256!r}"
        )
    return sha256.lower()


def _local_path(url):
    """The filesystem path `url` names, or None for a remote URL."""
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme == "file":
        if parsed.netloc not in ("", "localhost"):
            raise ValueError(
                "`url` file:// URLs must name a local file. "
                f"Received: url={url!r}"
            )
        return urllib.request.url2pathname(parsed.path)
    if parsed.scheme in ("http", "https", "ftp"):
        return None
    if len(parsed.scheme) > 1:  # one letter: a Windows drive
        raise ValueError(
            "`url` must be an http(s)/ftp/file URL or a local path. "
            f"Received: url={url!r}"
        )
    return url


class _Progress:
    """A one-line progress bar on stderr (only when stderr is a terminal)."""

    def __init__(self, name, total, enabled):
        self.name = name
        self.total = total
        self.enabled = enabled
        self.done = 0
        self.last = 0.0

    def update(self, n):
        self.done += n
        now = time.monotonic()
        if self.enabled and now - self.last > 0.1:
            self.last = now
            self._draw()

    def _draw(self, end=""):
        mb = self.done / 1e6
        if self.total:
            frac = min(self.done / self.total, 1.0)
            bar = "=" * int(30 * frac)
            line = (
                f"\r{self.name} [{bar:<30}] {mb:.1f}/{self.total / 1e6:.1f} MB"
            )
        else:
            line = f"\r{self.name} {mb:.1f} MB"
        sys.stderr.write(line + end)
        sys.stderr.flush()

    def close(self):
        if self.enabled:
            self._draw(end="\n")


def _fetch(url, target, sha256, timeout, progress):
    """Streams `url` into a temporary file beside `target`, verifies it,
    then renames it into place. Nothing is left behind on failure."""
    directory = os.path.dirname(target)
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=directory,
        prefix="." + os.path.basename(target) + ".",
        suffix=".part",
    )
    try:
        digest = hashlib.sha256()
        request = urllib.request.Request(
            url, headers={"User-Agent": "kzoo-hub"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                length = response.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
                bar = _Progress(os.path.basename(target), total, progress)
                with os.fdopen(fd, "wb") as out:
                    fd = None
                    while True:
                        chunk = response.read(_CHUNK)
                        if not chunk:
                            break
                        out.write(chunk)
                        digest.update(chunk)
                        bar.update(len(chunk))
                    out.flush()
                    os.fsync(out.fileno())
                bar.close()
        except OSError as e:  # URLError, HTTPError, timeouts, resets
            if isinstance(e, DownloadError):
                raise
            raise DownloadError(f"Downloading {url} failed: {e}") from e
        except Exception as e:  # http.client.IncompleteRead and the like
            raise DownloadError(f"Downloading {url} failed: {e!r}") from e
        if total is not None and bar.done != total:
            raise DownloadError(
                f"Downloading {url} ended after {bar.done} of {total} bytes."
            )
        actual = digest.hexdigest()
        if actual != sha256:
            raise ChecksumError(
                f"SHA-256 mismatch for {url}: expected {sha256}, got "
                f"{actual}. The file was discarded."
            )
        os.replace(tmp, target)
        tmp = None
    finally:
        if fd is not None:
            os.close(fd)
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)
    return target


@kzoo_export("kzoo.hub.download")
def download(
    url,
    sha256,
    cache_dir=None,
    filename=None,
    progress=None,
    timeout=60.0,
):
    """Downloads a file once, verifies its SHA-256, and returns its path.

    - http(s)/ftp URLs are streamed into a temporary file beside the target,
      hashed while they arrive, and renamed into the cache only when the
      transfer is complete and the digest matches; an interrupted transfer or
      a checksum mismatch leaves nothing in the cache.
    - A verified file already in the cache is reused without any network
      access (a cached file that no longer verifies is fetched again).
    - `file://` URLs and plain local paths are verified in place and their
      own path is returned (no copy is made).
    - With `KZOO_OFFLINE=1` nothing is fetched: a remote file must already be
      in the cache, else `kzoo.hub.OfflineError` is raised.

    Args:
        url: an http(s), ftp or file URL, or a local path.
        sha256: the expected hex SHA-256 of the file.
        cache_dir: the folder to store the file in. Defaults to
            `$KZOO_HOME/downloads` (`~/.kzoo/downloads` when `KZOO_HOME` is
            unset).
        filename: the name to store the file under. Defaults to the last
            component of the URL's path.
        progress: whether to draw a progress bar on stderr. Defaults to
            `None`: only when stderr is a terminal.
        timeout: socket timeout in seconds. Defaults to `60.0`.

    Returns:
        The local path of the verified file.

    Raises:
        kzoo.hub.ChecksumError: the digest differs (a `ValueError`).
        kzoo.hub.DownloadError: the transfer failed or ended early.
        kzoo.hub.OfflineError: offline and not cached.
        FileNotFoundError: a local path that does not exist.

    Example:

    >>> path = kzoo.hub.download(
    ...     "https://example.org/model.weights.h5",
    ...     sha256="9f86d081884c7d659a2feaa0c55ad015"
    ...     "a3bf4f1b2b0b822cd15d6c15b0f00a08",
    ... )  # doctest: +SKIP
    """
    if not isinstance(url, (str, os.PathLike)) or not str(url):
        raise ValueError(f"`url` must be a non-empty string. Received: {url!r}")
    url = os.fspath(url)
    sha256 = _check_sha256(sha256)
    local = _local_path(url)
    if local is not None:
        if not os.path.isfile(local):
            raise FileNotFoundError(f"No such file: {local!r} (url={url!r})")
        actual = sha256_of(local)
        if actual != sha256:
            raise ChecksumError(
                f"SHA-256 mismatch for {local}: expected {sha256}, got "
                f"{actual}."
            )
        return local
    if filename is None:
        filename = os.path.basename(urllib.parse.urlparse(url).path)
    if not filename or filename in (".", "..") or os.sep in filename:
        raise ValueError(
            "`filename` must be a plain file name (and is needed when the URL "
            f"path has none). Received: filename={filename!r}, url={url!r}"
        )
    if cache_dir is None:
        cache_dir = os.path.join(get_cache_dir(), "downloads")
    target = os.path.join(os.path.abspath(os.fspath(cache_dir)), filename)
    if os.path.isfile(target):
        if sha256_of(target) == sha256:
            return target
    if is_offline():
        raise OfflineError(
            f"KZOO_OFFLINE is set and {filename!r} (from {url}) is not in "
            f"the cache at {target}."
        )
    if progress is None:
        progress = sys.stderr.isatty()
    return _fetch(url, target, sha256, timeout, bool(progress))
