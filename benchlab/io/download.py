"""Resumable downloads with a progress bar and a SHA-256 check.

Bytes go to `<dst>.part` first; an interrupted download resumes from there with an HTTP Range
request, and the file gets its real name only once its checksum matches. Sources can be
http(s) URLs, file:// URLs or plain paths (a copy, for mirrors on a shared disk). Uses the
standard library's urllib: one GET with a Range header needs no HTTP client dependency.
"""

from __future__ import annotations

import hashlib
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from benchlab.errors import DataError

_BLOCK = 1 << 20
_TIMEOUT = 30  # seconds without data before giving up on a connection


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def _progress(total: int | None, initial: int, enabled: bool, name: str):
    from tqdm import tqdm

    return tqdm(
        total=total, initial=initial, unit="B", unit_scale=True, unit_divisor=1024,
        desc=f"downloading {name}", disable=not enabled,
    )


def _local_source(url: str) -> Path | None:
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme == "file":
        return Path(urllib.request.url2pathname(parsed.path))
    if parsed.scheme in ("http", "https"):
        return None
    if parsed.scheme and len(parsed.scheme) > 1:  # one letter: a Windows drive, so a path
        raise DataError(f"{url}: unsupported URL scheme {parsed.scheme!r}; use http(s)://, file:// or a path")
    return Path(url)


def _copy(source: Path, part: Path, progress: bool) -> None:
    if not source.is_file():
        raise DataError(f"{source}: no such file to copy; check the path or URL")
    with open(source, "rb") as src, open(part, "wb") as out, _progress(
        source.stat().st_size, 0, progress, source.name
    ) as bar:
        while block := src.read(_BLOCK):
            out.write(block)
            bar.update(len(block))


def _fetch(url: str, part: Path, progress: bool, name: str) -> None:
    """Append the rest of `url` to `part` (all of it when the server ignores the Range)."""
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "benchlab"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=_TIMEOUT)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # nothing left after what we have: the checksum decides
            return
        raise DataError(f"{url}: the server answered HTTP {exc.code} ({exc.reason}); check the URL") from None
    except (urllib.error.URLError, socket.timeout, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DataError(
            f"{url}: cannot reach the server ({reason}); check the network connection, or download the file "
            "elsewhere and pass its path with --url"
        ) from None
    with response:
        resumed = have and response.status == 206
        mode = "ab" if resumed else "wb"
        start = have if resumed else 0
        length = response.headers.get("Content-Length")
        total = start + int(length) if length is not None else None
        try:
            with open(part, mode) as out, _progress(total, start, progress, name) as bar:
                while block := response.read(_BLOCK):
                    out.write(block)
                    bar.update(len(block))
        except (OSError, socket.timeout) as exc:
            got = part.stat().st_size if part.exists() else 0
            raise DataError(
                f"{url}: the download stopped after {got} bytes ({exc}); run the same command again to resume"
            ) from None
    got = part.stat().st_size
    if total is not None and got < total:
        raise DataError(
            f"{url}: the connection closed after {got} of {total} bytes; run the same command again to resume"
        )


def download(
    url: str, dst: str | os.PathLike, *, sha256: str | None = None, progress: bool = True
) -> Path:
    """Fetch `url` to `dst` (a file path, or an existing folder to put the URL's file name in).

    Resumes from `<dst>.part` after an interruption. With `sha256`, a file already at `dst`
    with that checksum is kept without downloading, and a download whose checksum differs is
    deleted and reported. Raises `DataError` with one line when the source is unreachable.
    """
    dst = Path(dst)
    if dst.is_dir():
        dst = dst / Path(urllib.parse.urlparse(url).path).name
    sha256 = sha256.lower() if sha256 else None
    if dst.exists() and (sha256 is None or sha256_of(dst) == sha256):
        return dst
    dst.parent.mkdir(parents=True, exist_ok=True)
    part = dst.with_name(dst.name + ".part")
    source = _local_source(url)
    if source is not None:
        _copy(source, part, progress)
    else:
        _fetch(url, part, progress, dst.name)
    if sha256 is not None:
        actual = sha256_of(part)
        if actual != sha256:
            part.unlink()
            raise DataError(
                f"{url}: SHA-256 of the downloaded file is {actual}, expected {sha256}; the partial download was "
                "deleted, run the command again (or check that the URL names the right file)"
            )
    os.replace(part, dst)
    return dst

