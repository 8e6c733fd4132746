"""TFRecord framing without TensorFlow.

A TFRecord file is a sequence of frames:

    uint64 little-endian payload length
    uint32 masked CRC32C of those 8 length bytes
    payload bytes
    uint32 masked CRC32C of the payload

Written by hand because the format is four fields and TensorFlow a very large dependency; the
checksums use the `crc32c` package (a C implementation), never a Python loop.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple

import crc32c

from benchlab.errors import DataError

_HEADER = struct.Struct("<QI")  # length, masked crc of the length bytes
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_MASK_DELTA = 0xA282EAD8
# A frame longer than this is not an NB101-sized record but a file of another kind whose first
# bytes happen to parse as a length; checking it first gives a clear message instead of a
# multi-gigabyte read.
MAX_PAYLOAD = 1 << 30
_BLOCK = 1 << 22


class Frame(NamedTuple):
    index: int  # record number, from 0
    offset: int  # byte offset of the frame's first byte in the file
    payload: bytes


def _unmask(masked: int) -> int:
    """The CRC32C that `masked_crc32c` masked (comparing unmasked values saves a call per check)."""
    rotated = (masked - _MASK_DELTA) & 0xFFFFFFFF
    return ((rotated >> 17) | (rotated << 15)) & 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """TFRecord's masked CRC32C (rotated right by 15 bits plus a constant, as TensorFlow writes it)."""
    crc = crc32c.crc32c(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def _open(path: Path) -> BinaryIO:
    try:
        return open(path, "rb", buffering=1 << 20)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file; check the path or download it with `benchlab data download nb101`") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder, not a TFRecord file; give the .tfrecord file itself") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror}); check its permissions") from None


def _corrupt(path: Path, index: int, offset: int, problem: str) -> DataError:
    return DataError(
        f"{path}: record {index} at byte {offset}: {problem}; the file is corrupt or not a TFRecord "
        "file, download it again"
    )


def _frame_length(path: Path, index: int, offset: int, buf: bytes, pos: int) -> int:
    """The payload length in the 12-byte header at `buf[pos:]`, after checking its CRC."""
    length, length_crc = _HEADER.unpack_from(buf, pos)
    if _unmask(length_crc) != crc32c.crc32c(buf[pos : pos + 8]):
        raise _corrupt(path, index, offset, "length checksum (CRC32C) mismatch")
    if length > MAX_PAYLOAD:
        raise _corrupt(path, index, offset, f"implausible record length {length}")
    return length


def _truncated(path: Path, index: int, offset: int, have: int, length: int) -> DataError:
    return _corrupt(path, index, offset, f"truncated record ({have} of {length + 4} bytes after the header)")


def read_frames(
    path: str | os.PathLike, *, start: tuple[int, int] = (0, 0), count: int | None = None
) -> Iterator[Frame]:
    """Yield every frame of a TFRecord file, after checking both CRCs of each.

    `start` = (record number, byte offset) of the first frame to read (from `scan_frames`), and
    `count` the number of frames, let several processes share one file.
    Raises `DataError` naming the file, the record number and the byte offset of the first
    frame that is truncated or fails a checksum.
    """
    path = Path(path)
    index, offset = start
    stop = None if count is None else index + count
    crc = crc32c.crc32c
    # Frames are cut from large blocks rather than read one by one: at NB101's ~400 bytes a
    # record, two small reads per frame cost more than the checksums.
    with _open(path) as fh:
        fh.seek(offset)
        buf, pos = b"", 0
        while index != stop:
            if len(buf) - pos < 12:
                buf, pos = buf[pos:] + fh.read(_BLOCK), 0
                if not buf:
                    return
                if len(buf) < 12:
                    raise _corrupt(path, index, offset, f"truncated frame header ({len(buf)} of 12 bytes)")
            length = _frame_length(path, index, offset, buf, pos)
            end = pos + 16 + length
            if end > len(buf):
                buf, pos = buf[pos:] + fh.read(max(_BLOCK, end - len(buf))), 0
                end = 16 + length
                if end > len(buf):
                    raise _truncated(path, index, offset, len(buf) - 12, length)
            payload = buf[pos + 12 : end - 4]
            if _unmask(_U32.unpack_from(buf, end - 4)[0]) != crc(payload):
                raise _corrupt(path, index, offset, "payload checksum (CRC32C) mismatch")
            yield Frame(index, offset, payload)
            index += 1
            offset += end - pos
            pos = end


def scan_frames(path: str | os.PathLike, every: int = 1) -> tuple[list[tuple[int, int]], int]:
    """((record number, byte offset) of every `every`-th frame, number of frames), reading only
    the headers: the split points for reading one file in parallel. Payload checksums are
    left to `read_frames`."""
    path = Path(path)
    starts = []
    index = offset = 0
    with _open(path) as fh:
        size = os.fstat(fh.fileno()).st_size
        read, seek = fh.read, fh.seek
        while offset < size:
            header = read(12)
            if len(header) < 12:
                raise _corrupt(path, index, offset, f"truncated frame header ({len(header)} of 12 bytes)")
            length = _frame_length(path, index, offset, header, 0)
            if offset + 16 + length > size:
                raise _truncated(path, index, offset, size - offset - 12, length)
            if index % every == 0:
                starts.append((index, offset))
            index += 1
            offset += 16 + length
            seek(offset)
    return starts, index


def encode_frame(payload: bytes) -> bytes:
    """One frame in the TFRecord layout."""
    length = _U64.pack(len(payload))
    return b"".join((length, _U32.pack(masked_crc32c(length)), payload, _U32.pack(masked_crc32c(payload))))


def write_frames(path: str | os.PathLike, payloads: Iterable[bytes]) -> int:
    """Write payloads as a TFRecord file (TensorFlow reads it); returns the number of frames."""
    count = 0
    with open(path, "wb") as fh:
        for payload in payloads:
            fh.write(encode_frame(payload))
            count += 1
    return count
