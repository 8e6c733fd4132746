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
import stat
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


def check_url(url: str) -> None:
    """Refuse a malformed URL or an unsupported scheme before anything is created."""
    _local_source(url)


def _parse(url: str) -> urllib.parse.ParseResult:
    try:
        parsed = urllib.parse.urlparse(url)
        parsed.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError as exc:
        raise DataError(f"{url[:200]}: not a valid URL ({exc}); pass an http(s):// or file:// URL or a path") from None
    return parsed


def _local_source(url: str) -> Path | None:
    parsed = _parse(url)
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
    with open(source, "rb") as src, _open_part(part, "wb") as out, _progress(
        source.stat().st_size, 0, progress, source.name
    ) as bar:
        while block := src.read(_BLOCK):
            out.write(block)
            bar.update(len(block))


def _open_part(part: Path, mode: str):
    """Open the partial download without following a link planted under its name."""
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | (os.O_APPEND if mode == "ab" else os.O_TRUNC)
    try:
        fd = os.open(part, flags, 0o644)
    except OSError as exc:
        raise DataError(f"{part}: cannot write the partial download ({exc.strerror}); remove it, or choose another "
                        "--out") from None
    return os.fdopen(fd, mode)


def _check_part(part: Path) -> None:
    try:
        mode = os.lstat(part).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        raise DataError(f"{part} is a link or folder, not a partial download benchlab wrote; remove it and run the "
                        "command again")


def check_destination(folder: Path) -> None:
    """Refuse a download folder that is a file, lies under one, or cannot be written, before fetching."""
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is None:
        return
    if not existing.is_dir():
        raise DataError(f"--out {folder}: {existing} is a file, not a folder; choose another --out")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise DataError(f"--out {folder}: permission denied (cannot write into {existing}); fix its permissions or "
                        "choose another --out")


def _fetch(url: str, part: Path, progress: bool, name: str) -> None:
    """Append the rest of `url` to `part` (all of it when the server ignores the Range)."""
    have = part.stat().st_size if part.exists() else 0
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "benchlab"})
    except ValueError as exc:
        raise DataError(f"{url[:200]}: not a valid URL ({exc}); check it") from None
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
            with _open_part(part, mode) as out, _progress(total, start, progress, name) as bar:
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
    parsed = _parse(url)
    if dst.is_dir():
        dst = dst / Path(parsed.path).name
    sha256 = sha256.lower() if sha256 else None
    if dst.is_file() and (sha256 is None or sha256_of(dst) == sha256):
        return dst
    if dst.exists() and not dst.is_file():
        raise DataError(f"{dst} is a folder, not a file; move it away or choose another --out")
    check_destination(dst.parent)
    dst.parent.mkdir(parents=True, exist_ok=True)
    part = dst.with_name(dst.name + ".part")
    _check_part(part)
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

