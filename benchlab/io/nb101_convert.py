"""Convert an official NAS-Bench-101 TFRecord file into benchlab's HDF5 table (format_version 1).

Layout (n unique cells in order of first appearance, E epoch budgets, R repeats):
  root attrs: format="benchlab-nb101", format_version=1, source_name, source_sha256,
      max_vertices, max_edges, epochs (ascending int64), repeats, num_records (of the source)
  hash (n,) |S32; num_vertices (n,) uint8; adjacency (n, V, V) uint8 zero-padded;
  ops (n, V) int8 (-1 input, -2 output, 0 conv3x3, 1 conv1x1, 2 maxpool, -3 padding);
  trainable_parameters (n,) int64;
  metrics (n, E, R, 2, 4) float64 [halfway|final] x [train, valid, test accuracy, training time];
  current_epoch (n, E, R, 2) float64; NaN wherever a value does not exist.

The file is decoded in parallel spans (one process per core, `nb101_decode.py`); the
records become the table's arrays and every stored module hash is checked against the key
the NB101 search space computes for the stored cell (`nb101_assemble.py`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchlab.errors import DataError
from benchlab.io.atomic import AtomicTarget
from benchlab.paths import data_dir
from benchlab.spaces.nb101 import LABELS

FORMAT = "benchlab-nb101"
FORMAT_VERSION = 1
DEFAULT_NAME = "nasbench101.h5"
OP_LABELS = LABELS  # operation name -> the official integer label, as the table stores it
PADDING = -3
DEFAULT_MAX_EDGES = 9
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_PARALLEL_FROM = 1 << 24  # bytes; smaller files are not worth starting processes for

# (matrix, ops) -> module hash of the cell; raises InvalidArchitectureError for an invalid cell.
KeyFunction = Callable[[np.ndarray, list], str]


class NB101DataWarning(UserWarning):
    """The file converts, but something about it is uneven (e.g. repeat counts differ)."""


def default_output() -> Path:
    return data_dir() / DEFAULT_NAME


def default_key_function(max_vertices: int, max_edges: int) -> KeyFunction:
    """The NB101 search space's canonical key (the official module hash) for (matrix, ops)."""
    from benchlab.spaces.nb101 import Cell, NB101Space

    space = NB101Space(max_vertices=max_vertices, max_edges=max_edges)

    def key(matrix: np.ndarray, ops: list) -> str:
        return space.key(Cell(matrix, ops))

    return key


def _check_source(src: Path) -> int:
    if not src.exists():
        raise DataError(f"{src}: no such file; download it with `benchlab data download nb101` or check the path")
    if src.is_dir():
        raise DataError(f"{src}: is a folder; give the .tfrecord file itself")
    size = src.stat().st_size
    if size == 0:
        raise DataError(f"{src}: the file is empty; download it again")
    with open(src, "rb") as fh:
        if fh.read(8) == _HDF5_SIGNATURE:
            raise DataError(
                f"{src}: is an HDF5 file, not a NAS-Bench-101 .tfrecord; if it is a converted table, open it "
                "directly instead of converting it"
            )
    return size


def _write_hdf5(dst: Path, arrays: dict, attrs: dict) -> None:
    import h5py

    try:
        target = AtomicTarget(dst)
    except OSError as exc:
        raise DataError(f"{dst}: cannot write there ({exc.strerror}); choose another --out") from None
    try:
        with target as tmp, h5py.File(tmp, "w") as out:
            for name, value in attrs.items():
                out.attrs[name] = value
            for name, array in arrays.items():
                out.create_dataset(name, data=array)
    except OSError as exc:
        raise DataError(f"{dst}: writing the table failed ({exc}); check the free space or choose another --out") from None


def convert_nb101(
    src: str | os.PathLike,
    dst: str | os.PathLike | None = None,
    *,
    progress: bool = True,
    jobs: int | None = None,
    key: KeyFunction | None = None,
) -> Path:
    """Convert the official TFRecord `src` into the HDF5 table `dst` (default data/nasbench101.h5;
    a folder gets that file name).

    `jobs` processes decode the file (default: the available cores, one for small files);
    `key` computes a cell's module hash (default: the NB101 search space's key). Raises
    `DataError` for anything wrong with the file; nothing is written unless all went well.
    Uneven repeat counts give an `NB101DataWarning` and NaN for the missing repeats.
    """
    # here: opening a table (which reads this module's constants) needs no decoding or process code
    import multiprocessing

    from benchlab.io.nb101_assemble import build_table, check_hashes
    from benchlab.io.nb101_decode import Progress, decode_file
    from benchlab.processes import default_jobs

    src = Path(src)
    dst = Path(dst) if dst is not None else default_output()
    if dst.is_dir():
        dst = dst / DEFAULT_NAME
    size = _check_source(src)
    if jobs is None:
        jobs = default_jobs() if size >= _PARALLEL_FROM else 1  # the CPUs this process may use, on every OS
    if multiprocessing.current_process().daemon:  # e.g. inside a multiprocessing.Pool: no children allowed
        jobs = 1
    bar = Progress(size, progress, f"converting {src.name}")
    try:
        data, sha256 = decode_file(src, size, jobs, bar)
    finally:
        bar.close()
    if len(data["hash"]) == 0:
        raise DataError(f"{src}: holds no records; download it again")
    arrays, attrs, first = build_table(src, data)
    check_hashes(src, arrays, attrs, first, data["offset"], key, jobs, progress)
    attrs.update(
        format=FORMAT, format_version=FORMAT_VERSION, source_name=src.name, source_sha256=sha256
    )
    _write_hdf5(dst, arrays, attrs)
    return dst
