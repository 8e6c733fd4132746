"""Run files that prove they are whole and say which run they hold.

Each run's Parquet file carries, in its `benchlab` metadata, the run's identity (benchmark,
strategy label, seed, settings hash), `columns_sha256` (a SHA-256 per column over its name,
type, nulls and values) and `checksum`: a SHA-256 over all the rest of the metadata, so over
every column digest too. A file is trusted only when it decodes, its checksum holds, every
column read matches its digest and its identity is the one expected. A flipped byte inside a
data page, a truncated file or a file copied over another seed's is therefore found: compare
redoes it, and the report refuses it. A reader that needs a few columns (the report) reads and
checks only those; reuse checks them all.

`results_digest` combines the digests of the columns a run reproduces exactly (not the
wall-clock ones), so identical experiments give identical report checksums.

Written by hand: Parquet's own page CRCs cover only pages, not the footer or the metadata,
and pyarrow offers no hash of a table's values.
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


def column_digest(table: pa.Table, name: str) -> str:
    """SHA-256 over one column's name, type, nulls and values."""
    digest = hashlib.sha256()
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


def results_digest(metadata: dict) -> str:
    """Digest of a verified file's reproducible columns: equal for identical runs on any machine."""
    columns = metadata["columns_sha256"]
    text = "\n".join(f"{name}:{columns[name]}" for name in sorted(columns) if name not in WALL_COLUMNS)
    return hashlib.sha256(text.encode()).hexdigest()


def _checksum(metadata: dict) -> str:
    rest = {k: v for k, v in metadata.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(rest, sort_keys=True, default=str).encode()).hexdigest()


def _data_region(data: bytes) -> bytes:
    """The bytes of every column chunk: between the leading magic and the footer."""
    footer_length = int.from_bytes(data[-8:-4], "little")
    return data[4: len(data) - 8 - footer_length]


def _parquet(table: pa.Table, metadata: dict) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table.replace_schema_metadata({METADATA_KEY: json.dumps(metadata)}), sink)
    return sink.getvalue().to_pybytes()


def seal(table: pa.Table, metadata: dict) -> bytes:
    """The Parquet bytes of `table` with `metadata`, its column digests and its checksums."""
    table = table.replace_schema_metadata(None)
    sealed = json.loads(json.dumps(
        {**metadata, "columns_sha256": {name: column_digest(table, name) for name in table.column_names}},
        default=str))
    # the column chunks do not depend on the footer's metadata: write once to learn their digest
    sealed["data_sha256"] = hashlib.sha256(_data_region(_parquet(table, sealed))).hexdigest()
    sealed["checksum"] = _checksum(sealed)
    data = _parquet(table, sealed)
    if hashlib.sha256(_data_region(data)).hexdigest() != sealed["data_sha256"]:  # never seen; kept honest
        raise RuntimeError("the Parquet writer is not deterministic; run files cannot be sealed")
    return data


def open_verified(source: bytes | Path, expected: dict | None = None, columns=None) -> tuple[pa.Table, dict]:
    """(table, metadata) of a run file whose checksum holds and whose identity matches `expected`.

    `expected` maps identity keys (benchmark, strategy, seed, settings_hash) to the values the
    caller wants; keys it leaves out are not compared. `columns`: read and check only these
    (default: all, and the file must hold exactly the columns it was sealed with). Raises
    `DamagedRunFile` saying what is wrong.
    """
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        parquet = pq.ParquetFile(pa.BufferReader(data))
        raw = (parquet.metadata.metadata or {}).get(METADATA_KEY)  # the footer's key-value pairs
    except Exception as exc:  # pyarrow raises several types for damaged or foreign files
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DamagedRunFile(f"unreadable Parquet: {reason[:120]}") from None
    try:
        metadata = json.loads(raw)
    except (ValueError, TypeError, RecursionError):
        raise DamagedRunFile("no benchlab metadata; not a run file benchlab wrote") from None
    if not isinstance(metadata, dict):
        raise DamagedRunFile("its benchlab metadata is not an object; not a run file benchlab wrote")
    if "checksum" not in metadata:
        raise UnsealedRunFile("no checksum in its metadata (written by an older benchlab, or changed)")
    stored = metadata.get("columns_sha256")
    if _checksum(metadata) != metadata["checksum"] or not isinstance(stored, dict):
        raise DamagedRunFile("checksum mismatch: its metadata was changed or damaged after it was written")
    if hashlib.sha256(_data_region(data)).hexdigest() != metadata.get("data_sha256"):
        raise DamagedRunFile("checksum mismatch: its data pages were changed or damaged after they were written")
    wanted = list(stored) if columns is None else list(columns)
    try:
        table = parquet.read(columns=wanted).replace_schema_metadata(None)
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DamagedRunFile(f"unreadable Parquet: {reason[:120]}") from None
    if columns is None and sorted(table.column_names) != sorted(stored):
        raise DamagedRunFile("its columns are not those it was written with")
    for name in wanted:
        if name not in stored or name not in table.column_names or column_digest(table, name) != stored[name]:
            raise DamagedRunFile(f"checksum mismatch in column {name}: the file was changed or damaged after "
                                 "it was written")
    for key, value in (expected or {}).items():
        if metadata.get(key) != value:
            raise DamagedRunFile(f"it holds {key} {metadata.get(key)!r}, not {value!r} (a file of another run)")
    return table, metadata
