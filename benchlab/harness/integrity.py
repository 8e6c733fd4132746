"""Run files that prove they are whole and say which run they hold.

Each run's Parquet file carries, in its `benchlab` metadata, the run's identity (benchmark,
strategy label, seed, settings hash) and `checksum`: a SHA-256 over every column's values
and over the rest of the metadata. A file is trusted only when it decodes, its checksum
matches what it holds, and its identity is the one expected, so a flipped byte inside a data
page, a truncated file or a file copied over another seed's is found and redone instead of
being reused or reported.

`results_digest` hashes only the columns that a run reproduces exactly (not the wall-clock
ones), so identical experiments give identical report checksums.

Written by hand: Parquet's own page CRCs cover only the pages read and not the footer, and
pyarrow offers no hash of a table's values.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

METADATA_KEY = b"benchlab"
#: columns that measure wall time on the machine that ran the search (not reproducible)
WALL_COLUMNS = ("strategy_wall_s",)
IDENTITY = ("benchmark", "strategy", "seed", "settings_hash")


class DamagedRunFile(Exception):
    """A run file that does not decode, fails its checksum or holds another run; str() says which."""


class UnsealedRunFile(DamagedRunFile):
    """A run file without a checksum: written by an older benchlab (or stripped of it)."""


def content_digest(table: pa.Table, *, exclude=()) -> str:
    """SHA-256 over the names, types, nulls and values of the table's columns (schema order)."""
    digest = hashlib.sha256()
    for name in table.column_names:
        if name in exclude:
            continue
        chunked = table.column(name)
        column = chunked.chunk(0) if chunked.num_chunks == 1 else chunked.combine_chunks()
        digest.update(f"{name}\0{column.type}\0{len(column)}\0{column.null_count}\0".encode())
        if column.null_count:
            digest.update(column.is_null().to_numpy(zero_copy_only=False).tobytes())
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            # lengths, then the characters: the offsets buffer read as plain numbers
            width = np.int64 if pa.types.is_large_string(column.type) else np.int32
            _, offsets_buffer, data_buffer = column.buffers()
            offsets = np.frombuffer(offsets_buffer, dtype=width)[column.offset: column.offset + len(column) + 1]
            digest.update(np.diff(offsets).astype(np.int64).tobytes())
            if data_buffer is not None and len(offsets):
                digest.update(memoryview(data_buffer)[offsets[0]: offsets[-1]])
        else:
            values = column.fill_null(0) if column.null_count else column
            digest.update(np.ascontiguousarray(values.to_numpy(zero_copy_only=False)).tobytes())
    return digest.hexdigest()


def results_digest(table: pa.Table) -> str:
    """Digest of the reproducible columns only: equal for identical runs on any machine."""
    return content_digest(table, exclude=WALL_COLUMNS)


def _checksum(table: pa.Table, metadata: dict) -> str:
    rest = {k: v for k, v in metadata.items() if k != "checksum"}
    text = json.dumps(rest, sort_keys=True, default=str)
    return hashlib.sha256((content_digest(table) + "\0" + text).encode()).hexdigest()


def seal(table: pa.Table, metadata: dict) -> bytes:
    """The Parquet bytes of `table` with `metadata` and its checksum under the `benchlab` key."""
    table = table.replace_schema_metadata(None)
    sealed = {**metadata, "checksum": _checksum(table, json.loads(json.dumps(metadata, default=str)))}
    table = table.replace_schema_metadata({METADATA_KEY: json.dumps(sealed, default=str)})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()


def open_verified(source: bytes | Path, expected: dict | None = None) -> tuple[pa.Table, dict]:
    """(table, metadata) of a run file whose checksum holds and whose identity matches `expected`.

    `expected` maps identity keys (benchmark, strategy, seed, settings_hash) to the values the
    caller wants; keys it leaves out are not compared. Raises `DamagedRunFile` saying what is wrong.
    """
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        table = pq.ParquetFile(pa.BufferReader(data)).read()
    except Exception as exc:  # pyarrow raises several types for damaged or foreign files
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DamagedRunFile(f"unreadable Parquet: {reason[:120]}") from None
    try:
        metadata = json.loads((table.schema.metadata or {})[METADATA_KEY])
    except (KeyError, ValueError, TypeError, RecursionError):
        raise DamagedRunFile("no benchlab metadata; not a run file benchlab wrote") from None
    if not isinstance(metadata, dict):
        raise DamagedRunFile("its benchlab metadata is not an object; not a run file benchlab wrote")
    if "checksum" not in metadata:
        raise UnsealedRunFile("no checksum in its metadata (written by an older benchlab, or changed)")
    table = table.replace_schema_metadata(None)
    if _checksum(table, metadata) != metadata["checksum"]:
        raise DamagedRunFile("checksum mismatch: the file was changed or damaged after it was written")
    for key, value in (expected or {}).items():
        if metadata.get(key) != value:
            raise DamagedRunFile(f"it holds {key} {metadata.get(key)!r}, not {value!r} (a file of another run)")
    return table, metadata
