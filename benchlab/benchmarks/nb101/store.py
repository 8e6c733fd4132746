"""The converted NB101 HDF5 file: memory-mapped datasets and the Table view over them."""

from __future__ import annotations

import hashlib
import mmap
import os
from pathlib import Path

import numpy as np

from benchlab.benchmarks.nb101.location import GET_COMMAND
from benchlab.benchmarks.table import Table
from benchlab.errors import DataError
from benchlab.io.nb101_convert import FORMAT, FORMAT_VERSION

HALFWAY, FINAL = 0, 1  # index of the metrics array's halfway/final axis
_TRAIN, _VALID, _TEST, _TIME = 0, 1, 2, 3  # index of its metric axis


def text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _dataset(fh, name: str, path: Path) -> np.ndarray:
    """An HDF5 dataset as a read-only array: memory-mapped when stored contiguously and
    uncompressed (as the converter writes it), else read."""
    try:
        dset = fh[name]
    except KeyError:
        raise DataError(f"{path}: NB101 table lacks the dataset {name!r}; convert the .tfrecord again") from None
    offset = dset.id.get_offset()
    if offset is None or dset.chunks is not None or dset.compression is not None or dset.size == 0:
        return dset[()]
    return _mapped(path, offset, dset.dtype, dset.shape)


def _mapped(path: Path, offset: int, dtype: np.dtype, shape: tuple) -> np.ndarray:
    """Read-only array over a region of the file; pages are read when first touched.

    (Mapping every page up front with MAP_POPULATE was measured too: opening took 30 ms
    longer and queries were no faster.)
    """
    start = offset - offset % mmap.ALLOCATIONGRANULARITY
    count = int(np.prod(shape))
    with open(path, "rb") as fh:
        region = mmap.mmap(fh.fileno(), offset - start + count * dtype.itemsize, access=mmap.ACCESS_READ, offset=start)
    # the array keeps the mapping alive, and is read-only because the mapping is
    return np.frombuffer(region, dtype=dtype, count=count, offset=offset - start).reshape(shape)


class NB101Table(Table):
    """The Table view of the file, built without reading it.

    `keys` stays the (n,) S32 hash column (ASCII bytes). The (n, F, R) arrays `train`,
    `valid`, `test`, `cost` are made on first access: views of the memory-mapped metrics for
    a file with one epoch budget, one transposed copy for several. Queries do not need them
    (they read per-fidelity column views), so opening a full table copies nothing. The
    converter stores repeats first-come, so `Table`'s check over every entry is left out.
    """

    def __init__(self, keys, params, metrics: np.ndarray, columns: list[tuple[int, int, int]], meta: dict):
        self.keys = keys
        self.params = params
        self.fidelities = tuple(value for value, _, _ in columns)
        self.meta = meta
        self._source = (metrics, columns)
        self._arrays = None

    def _views(self) -> list[np.ndarray]:
        if self._arrays is None:
            self._arrays = _metric_views(*self._source)
        return self._arrays

    train = property(lambda self: self._views()[_TRAIN])
    valid = property(lambda self: self._views()[_VALID])
    test = property(lambda self: self._views()[_TEST])
    cost = property(lambda self: self._views()[_TIME])

    @property
    def n_repeats(self) -> int:
        return self._source[0].shape[2]

    def checksum(self) -> str:
        """SHA-256 of the stored hashes, parameter counts and metrics, read straight from the
        mapped file (no copy, and no (n, F, R) arrays made for it)."""
        digest = hashlib.sha256()
        for array in (self.keys, self.params, self._source[0]):
            digest.update(memoryview(np.ascontiguousarray(array)).cast("B"))
        digest.update(repr(self.fidelities).encode())
        return digest.hexdigest()


def _metric_views(metrics: np.ndarray, columns: list[tuple[int, int, int]]) -> list[np.ndarray]:
    """(train, valid, test, time) arrays of shape (n, F, R) over metrics (n, E, R, 2, 4).

    With columns in (epoch, halfway|final) order, as for every official file, these are
    views: of the metrics themselves for one epoch budget (nothing is read or copied), else
    of one transposed copy.
    """
    n, n_epochs, repeats = metrics.shape[:3]
    if [(e, h) for _, e, h in columns] == [(e, h) for e in range(n_epochs) for h in (HALFWAY, FINAL)]:
        if n_epochs == 1:
            return [metrics[:, 0, :, :, k].transpose(0, 2, 1) for k in range(4)]
        base = np.ascontiguousarray(metrics.transpose(0, 1, 3, 2, 4))  # (n, E, 2, R, 4)
        return [base[..., k].reshape(n, 2 * n_epochs, repeats) for k in range(4)]
    return [np.stack([metrics[:, e, :, h, k] for _, e, h in columns], axis=1) for k in range(4)]


def fidelity_columns(path: Path, epochs: tuple[int, ...]) -> list[tuple[int, int, int]]:
    """(fidelity in epochs, epoch index, halfway|final) for every column, sorted by fidelity."""
    columns = sorted(
        [(e // 2, i, HALFWAY) for i, e in enumerate(epochs)] + [(e, i, FINAL) for i, e in enumerate(epochs)]
    )
    values = [value for value, _, _ in columns]
    if len(set(values)) != len(values) or min(values) < 1:
        raise DataError(
            f"{path}: epoch budgets {list(epochs)} make halfway points that coincide with other budgets "
            "(or are zero); benchlab cannot serve them as distinct fidelities"
        )
    return columns



def read_table(path: Path) -> tuple[dict, dict]:
    """(attributes, arrays) of a converted table; `DataError` naming the file and the fix
    for anything else."""
    import h5py

    if not path.exists():
        raise DataError(
            f"{path}: no NAS-Bench-101 table here; get it with `{GET_COMMAND}` "
            "(or `benchlab data convert nb101 SRC --out PATH`)"
        )
    try:
        fh = h5py.File(path, "r")
    except OSError:
        raise DataError(
            f"{path}: not a benchlab NB101 table (not an HDF5 file); convert the official .tfrecord "
            "with `benchlab data convert nb101 SRC`"
        ) from None
    with fh:
        attrs = dict(fh.attrs)
        if text(attrs.get("format")) != FORMAT:
            raise DataError(
                f"{path}: not a benchlab NB101 table (an HDF5 file of another kind); convert the official "
                ".tfrecord with `benchlab data convert nb101 SRC`"
            )
        version = attrs.get("format_version")
        if version != FORMAT_VERSION:
            raise DataError(
                f"{path}: NB101 table format version {version}, this benchlab reads {FORMAT_VERSION}; "
                "convert the .tfrecord again with `benchlab data convert nb101 SRC`"
            )
        names = ("hash", "trainable_parameters", "metrics", "num_vertices", "adjacency", "ops")
        arrays = {name: _dataset(fh, name, path) for name in names}
    n = len(arrays["hash"])
    metrics = arrays["metrics"]
    if (
        n == 0 or arrays["hash"].dtype != np.dtype("S32") or metrics.ndim != 5 or metrics.shape[0] != n
        or metrics.shape[3:] != (2, 4) or metrics.shape[1] != len(attrs.get("epochs", ()))
        or any(arrays[name].shape[0] != n for name in names)
    ):
        raise DataError(f"{path}: NB101 table arrays disagree in shape; convert the .tfrecord again")
    return attrs, arrays
