"""NB101 by name: the registry entry, "nb101:PATH", and the cache of converted .tfrecords."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from benchlab import paths
from benchlab.benchmarks.nb101.location import GET_COMMAND, default_path, is_hdf5
from benchlab.benchmarks.registry import BenchmarkEntry
from benchlab.errors import DataError

if TYPE_CHECKING:  # imported where a table is opened: the registry entry needs no numpy or h5py
    from benchlab.benchmarks.nb101.benchmark import NB101Benchmark


def registry_entries() -> list[BenchmarkEntry]:
    return [
        BenchmarkEntry(
            name="nb101",
            load=lambda: _open(default_path(), name="nb101"),
            data_present=lambda: default_path().exists(),
            get_command=GET_COMMAND,
            summary="NAS-Bench-101 on CIFAR-10 (423,624 cells, 3 repeats, epoch budgets and halfway points)",
            in_default_compare=True,
        )
    ]


def open_prefixed(name: str) -> NB101Benchmark:
    """`nb101:PATH`: a converted .h5 table, or an official .tfrecord (converted once, cached)."""
    path = Path(name.split(":", 1)[1]).expanduser()
    if not path.is_file():
        raise DataError(f"{name}: no such file {path}; give a converted .h5 table or an NB101 .tfrecord")
    return _open(table_for(path), name=name)


def _open(path: Path, name: str) -> NB101Benchmark:
    from benchlab.benchmarks.nb101.benchmark import NB101Benchmark

    return NB101Benchmark.open(path, name=name)


def table_for(path: str | os.PathLike) -> Path:
    """The HDF5 table of `path`: itself when it is one, else its cached conversion."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file; get NAS-Bench-101 with `{GET_COMMAND}`")
    if is_hdf5(path):
        return path
    return cached_conversion(path)


def cache_dir() -> Path:
    return paths.data_dir() / "nb101-cache"


def cached_conversion(src: str | os.PathLike, *, progress: bool = True) -> Path:
    """Convert an official .tfrecord once; later calls find the table by the source's SHA-256."""
    from benchlab.io.nb101_convert import convert_nb101

    src = Path(src)
    digest = _source_sha256(src)
    dst = cache_dir() / f"{digest}.h5"
    if not dst.exists():
        convert_nb101(src, dst, progress=progress)
    return dst


def _source_sha256(src: Path) -> str:
    """SHA-256 of `src`, remembered per (path, size, mtime) so a 2 GB file is hashed once."""
    stat = src.stat()
    memo_key = f"{src.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    memo_path = cache_dir() / "sources.json"
    try:
        memo = json.loads(memo_path.read_text())
    except (OSError, ValueError):
        memo = {}
    if memo_key in memo:
        return memo[memo_key]
    from benchlab.io.atomic import write_atomic
    from benchlab.io.download import sha256_of

    memo[memo_key] = sha256_of(src)
    write_atomic(memo_path, json.dumps(memo, indent=1, sort_keys=True).encode())
    return memo[memo_key]
