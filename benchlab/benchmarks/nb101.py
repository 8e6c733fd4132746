"""NAS-Bench-101 served from the converted HDF5 table (see benchlab/io/nb101_convert.py).

Opening reads no metrics and builds no per-cell Python objects: the datasets are
memory-mapped, and a module hash finds its row through a sorted array of 64-bit hash
prefixes (`np.searchsorted`). Means and the optimum are computed on first use. A raw cell
queried before costs one dict lookup (raw cell -> row) and one list index (row -> its
repeats); a raw cell met for the first time goes through the search space's key (the
official module hash), or, once the process has met enough of them, through the
structural index of nb101_index.py.

Fidelities are epochs trained: every epoch budget E of the file and its halfway point
E // 2 (the official "stop_halfway" evaluation of a run trained for E epochs), sorted, e.g.
(2, 4, 6, 12, 18, 36, 54, 108) for the full file and (54, 108) for the 108-epoch one.
The Table view keeps the hash column as (n,) S32 ASCII bytes; `keys()` gives strings.
"""

from __future__ import annotations

import hashlib
import json
import math
import mmap
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchlab import paths
from benchlab.benchmarks.base import MeanMetrics, Observation, Optimum
from benchlab.benchmarks.objectives import declare
from benchlab.benchmarks.registry import BenchmarkEntry
from benchlab.benchmarks.table import Table
from benchlab.benchmarks.tabular import TabularBenchmark, _nanmean
from benchlab.benchmarks.nb101_index import PrunedShape, StructuralIndex, pruned_parts
from benchlab.errors import DataError, InvalidArchitectureError, UserError
from benchlab.io.atomic import write_atomic
from benchlab.io.nb101_convert import FORMAT, FORMAT_VERSION, OP_LABELS
from benchlab.spaces.nb101 import Cell, NB101Space

DATA_NAME = "nasbench101.h5"
GET_COMMAND = "make data"
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_LABEL_NAMES = {label: name for name, label in OP_LABELS.items()}
_HALFWAY, _FINAL = 0, 1  # index of the metrics array's halfway/final axis
_TRAIN, _VALID, _TEST, _TIME = 0, 1, 2, 3  # index of its metric axis
_RAW_CACHE_LIMIT = 1 << 20  # raw cells remembered before the cache starts afresh
# First sightings answered by the official key (~0.3 ms each) before the structural index
# (~0.5 s for a full table) is built: about the break-even point.
_INDEX_AFTER_MISSES = 2000
# bit generators whose random() is (next 64-bit draw >> 11) / 2**53 (not MT19937: 32-bit draws)
_DOUBLE_FROM_RAW = (np.random.PCG64, np.random.PCG64DXSM, np.random.Philox, np.random.SFC64)
_new_tuple = tuple.__new__
_STRUCTURAL: dict[tuple, StructuralIndex] = {}  # per file (path, size, mtime): built once a process
_FIRST_SIGHTINGS: dict[tuple, int] = {}  # per file: first sightings answered by the official key


def _text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def default_path() -> Path:
    return paths.data_dir() / DATA_NAME


def is_hdf5(path: str | os.PathLike) -> bool:
    with open(path, "rb") as fh:
        return fh.read(8) == _HDF5_SIGNATURE


def _observations(key: str, params: float, fidelity: int, runs: list) -> tuple[Observation, ...]:
    """The Observation of every recorded repeat of one row at one fidelity; `runs` holds
    [train, valid, test, time] per repeat, NaN for a repeat not recorded. All are made at
    the row's first query: a cell queried again draws among ready objects, and a search
    that keeps querying a cell soon draws every repeat anyway."""
    # tuple.__new__ with the fields in order (key, valid, test, cost, fidelity, repeat, train,
    # params) skips the named tuple's Python-level __new__: a third of the cost
    return tuple(
        [
            _new_tuple(Observation, (key, valid, test, time, fidelity, r, train, params))
            for r, (train, valid, test, time) in enumerate(runs)
            if valid == valid  # NaN: no such repeat
        ]
    )


@dataclass(frozen=True)
class BatchObservations:
    """Vectorised queries: entry i is the drawn repeat of `rows[i]` (arrays of equal length)."""

    rows: np.ndarray
    repeat: np.ndarray
    valid: np.ndarray
    test: np.ndarray
    cost: np.ndarray
    train: np.ndarray
    params: np.ndarray
    fidelity: int


class _HashIndex:
    """Module hash -> row via a sorted array of the hashes' first 64 bits.

    A dict of 423,624 strings costs ~0.3 s and ~60 MB to build; the sorted prefixes cost
    tens of milliseconds and 7 MB, and a lookup is one binary search plus a check of the
    full hash.
    """

    def __init__(self, keys: np.ndarray):
        self.keys = keys  # (n,) S32, the full hashes as ASCII bytes
        prefix = _hash_prefixes(keys)
        self.order = np.argsort(prefix)
        self.sorted_prefix = prefix[self.order]

    def find(self, key: str) -> int | None:
        if not isinstance(key, str) or len(key) != 32:
            return None
        try:
            value = int(key[:16], 16)
            wanted = key.encode("ascii")
        except (ValueError, UnicodeEncodeError):
            return None
        pos = int(np.searchsorted(self.sorted_prefix, np.uint64(value)))
        while pos < len(self.order) and int(self.sorted_prefix[pos]) == value:
            row = int(self.order[pos])
            if self.keys[row] == wanted:
                return row
            pos += 1  # another hash with the same first 64 bits
        return None


_HEX_VALUE = np.full(256, 255, dtype=np.uint8)
_HEX_VALUE[np.frombuffer(b"0123456789", np.uint8)] = np.arange(10)
_HEX_VALUE[np.frombuffer(b"abcdef", np.uint8)] = np.arange(10, 16)


def _hash_prefixes(keys: np.ndarray) -> np.ndarray:
    """First 16 hex digits of each (n,) S32 hash as uint64, vectorised over the raw bytes."""
    n = len(keys)
    raw = np.frombuffer(np.ascontiguousarray(keys, dtype="S32").tobytes(), np.uint8).reshape(n, 32)
    nibbles = _HEX_VALUE[raw[:, :16]]
    if np.any(nibbles == 255):
        raise DataError("the table's hash column holds text other than lowercase hexadecimal; convert the file again")
    packed = np.ascontiguousarray(nibbles[:, 0::2] * np.uint8(16) + nibbles[:, 1::2])
    return packed.view(">u8").ravel().astype(np.uint64)


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


class _NB101Table(Table):
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
    if [(e, h) for _, e, h in columns] == [(e, h) for e in range(n_epochs) for h in (_HALFWAY, _FINAL)]:
        if n_epochs == 1:
            return [metrics[:, 0, :, :, k].transpose(0, 2, 1) for k in range(4)]
        base = np.ascontiguousarray(metrics.transpose(0, 1, 3, 2, 4))  # (n, E, 2, R, 4)
        return [base[..., k].reshape(n, 2 * n_epochs, repeats) for k in range(4)]
    return [np.stack([metrics[:, e, :, h, k] for _, e, h in columns], axis=1) for k in range(4)]


class NB101Benchmark(TabularBenchmark):
    """NAS-Bench-101 (CIFAR-10): validation/test accuracy and training time of each cell.

    `query(cell, rng, fidelity)` follows the Benchmark contract; `query_official` answers
    exactly as the official `nasbench.api.NASBench.query` does.
    """

    metric = "validation accuracy (fraction)"

    def __init__(self, path: Path, name: str, attrs: dict, arrays: dict):
        # Not TabularBenchmark.__init__: it builds a dict over all keys and per-cell means,
        # which opening must avoid; means and the optimum are computed on first use instead.
        self.path = Path(path)
        self.name = name
        self.epochs = tuple(int(e) for e in attrs["epochs"])
        self.max_vertices = int(attrs["max_vertices"])
        self.max_edges = int(attrs["max_edges"])
        self.source_name = _text(attrs.get("source_name", ""))
        self.source_sha256 = _text(attrs.get("source_sha256", ""))
        self.space = NB101Space(max_vertices=self.max_vertices, max_edges=self.max_edges)
        columns = _fidelity_columns(self.path, self.epochs)
        self.fidelities = tuple(value for value, _, _ in columns)
        self._column = {(e, h): f for f, (_, e, h) in enumerate(columns)}
        self._column_source = [(e, h) for _, e, h in columns]
        self._raw_metrics = metrics = arrays["metrics"]
        # per fidelity column: (train, valid, test, time) views of shape (n, R), copying nothing
        self._columns = [tuple(metrics[:, e, :, h, k] for k in range(4)) for _, e, h in columns]
        self.table = _NB101Table(
            arrays["hash"], arrays["trainable_parameters"], metrics, columns,
            meta={"source": self.source_name, "source_sha256": self.source_sha256, "format": FORMAT},
        )
        n, repeats = metrics.shape[0], metrics.shape[2]
        self.n_repeats = repeats
        self.has_test_metric = True
        self.has_time_cost = True
        self.description = (
            f"NAS-Bench-101 on CIFAR-10 from {self.source_name or self.path.name}: {n:,} cells "
            f"(at most {self.max_vertices} vertices, {self.max_edges} edges), {repeats} repeats, "
            f"epoch budgets {', '.join(map(str, self.epochs))} and their halfway points"
        )
        self._fidelity_index = {f: i for i, f in enumerate(self.fidelities)}
        self._full = len(self.fidelities) - 1
        self._full_fidelity = self.fidelities[-1]
        self._means = None  # (valid_mean, test_mean), each (n, F), computed on first use
        self._optimum = None
        self._checksum = None
        self._index = _HashIndex(arrays["hash"])
        self._keys, self._params = arrays["hash"], arrays["trainable_parameters"]
        # Caches keyed by the raw cell (`Cell._key`, its (matrix, ops) as bytes: hashed and
        # compared in C): a query at the full budget of a cell seen before is one lookup in
        # `_full_of_cell` and one draw; `_raw_rows` serves everything else (other budgets,
        # means, repeats), so a search at the full budget inserts each new cell in one dict
        # only. Only what was queried is held: a list over all rows (the earlier design) is a
        # container the garbage collector walks whole, which cost a fresh benchmark ~2 us a
        # first sighting.
        self._full_of_cell: dict = {}  # raw cell -> its row's observations at the full budget
        self._raw_rows: dict = {}  # raw cell -> row, for every lookup other than the above
        self._raw_rng = self._draw_raw = None  # the last rng with a 64-bit bit generator, and its raw draw
        self._drawn: dict = {}  # (row, fidelity column) -> its observations, shared by isomorphic cells
        # per fidelity column: the (n, R, 4) view of [train, valid, test, time] per repeat
        self._runs = [metrics[:, e, :, h] for _, e, h in columns]
        self._cell_arrays = (arrays["num_vertices"], arrays["adjacency"], arrays["ops"])
        self._use_structure(None)

    def __reduce__(self):
        # reopen by path in another process instead of pickling the arrays
        return (type(self).open, (self.path, self.name))

    # -- opening ------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike | None = None, name: str = "nb101") -> "NB101Benchmark":
        """Open a converted table; `DataError` naming the file and the fix for anything else."""
        import h5py

        path = Path(path) if path is not None else default_path()
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
            if _text(attrs.get("format")) != FORMAT:
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
        return cls(path, name, attrs, arrays)

    # -- lookups ------------------------------------------------------------------
    def row_of(self, arch) -> int:
        try:
            row = self._raw_rows.get(arch._key)
        except AttributeError:  # not a Cell
            raise InvalidArchitectureError(f"{self.name}: expected an NB101 Cell, got {type(arch).__name__}") from None
        if row is None:
            row = self._row_of_new(arch)
            if len(self._raw_rows) >= _RAW_CACHE_LIMIT:
                self._raw_rows.clear()
            self._raw_rows[arch._key] = row
        return row

    def _row_of_new(self, cell, parts: tuple | None = None) -> int:
        """Row of a raw cell met for the first time: structurally when the index can tell,
        else through the official key (which also names the rule an invalid cell breaks).
        `parts` is the cell's `pruned_parts` when the caller already computed them. The
        caller caches the row."""
        if not isinstance(cell, Cell):
            raise InvalidArchitectureError(f"{self.name}: expected an NB101 Cell, got {type(cell).__name__}")
        queried = self._full_of_cell.get(cell._key)  # queried at the full budget: the key is known
        row = self._index.find(queried[0].key) if queried else self._structural_row(cell, parts)
        if row is None:
            key = self.space.key(cell)  # validates: InvalidArchitectureError naming the broken rule
            row = self._index.find(key)
            if row is None:
                raise InvalidArchitectureError(f"{self.name}: cell {self.space.format(cell)} (key {key}) is not in the table")
        return row

    def _full_observations_of_new(self, cell) -> tuple[Observation, ...]:
        """The full-budget observations of a raw cell not in `_full_of_cell` yet.

        The common first sighting (a complete table, a fingerprint that one row holds) is
        written out here rather than through `row_of`: it is the cost of every new cell of a
        search, and the calls saved are a sixth of it. Every other case (the index not built
        yet, a shared fingerprint, an invalid cell or not a Cell) goes through `_row_of_new`.
        """
        key = cell._key
        row = self._raw_rows.get(key) if self._raw_rows else None  # met at another budget
        if row is None:
            unique_rows, parts = self._unique_rows, None
            if unique_rows is not None and cell.__class__ is Cell:
                parts = pruned_parts(cell._bytes, cell._codes)  # (..., fingerprint, size, edges)
                if parts is not None and parts[4] <= self.max_vertices and parts[5] <= self.max_edges:
                    row = unique_rows.get(parts[3])
            if row is None:
                row = self._row_of_new(cell, parts)
        observations = self._observations_of(row, self._full)
        if len(self._full_of_cell) >= _RAW_CACHE_LIMIT:
            self._full_of_cell.clear()
        self._full_of_cell[key] = observations
        return observations

    def _structural_row(self, cell: Cell, parts: tuple | None = None) -> int | None:
        """The row found by fingerprint (see nb101_index), or None to use the official key.
        `parts`: the cell's `pruned_parts`, when already computed.

        The index is shared by every benchmark on the same file in this process and built
        once the process has answered _INDEX_AFTER_MISSES first sightings through the
        official key: by then those hashes have cost about what building costs, so short
        runs never pay for it and long ones soon gain. In a complete table (one row per
        cell of the space) each network has a row and equal official hashes imply equal
        fingerprints, so a fingerprint held by one row is that row, and so is the one row of
        a shared fingerprint that also agrees on the descendant fingerprint; otherwise every
        candidate is checked for isomorphism.
        """
        if self._structure is None:
            self._use_structure(_structural_index(self.path, self._cell_arrays))
            if self._structure is None:
                return None
        if parts is None:
            parts = pruned_parts(cell._bytes, cell._codes)  # the codes are the official labels
            if parts is None:
                return None
        _, _, _, fingerprint, size, edges = parts
        if size > self.max_vertices or edges > self.max_edges:
            return None
        if self._complete:
            row = self._structure.unique_rows.get(fingerprint)
            if row is not None:
                return row
        shape = PrunedShape(cell._codes, *parts)
        if not self._complete:
            return self._structure.find(shape)
        rows = self._structure.shared_candidates(shape)
        # the cell's own row is among them (complete table): when alone, no check is needed
        return rows[0] if len(rows) == 1 else self._structure.find(shape, rows)

    def build_structural_index(self) -> None:
        """Build the structural index now rather than after enough first sightings (worth it
        before a long search in this process; shared by every benchmark on this file)."""
        if self._structure is None:
            self._use_structure(_structural_index(self.path, self._cell_arrays, now=True))

    def _use_structure(self, structure: StructuralIndex | None) -> None:
        self._structure = structure
        self._complete = structure is not None and len(self) == self.space.size
        # in a complete table a fingerprint held by one row is that row: the first-sighting fast path
        self._unique_rows = structure.unique_rows if self._complete else None

    def row_of_key(self, key: str) -> int:
        row = self._index.find(key)
        if row is None:
            raise UserError(f"{self.name}: no cell with module hash {key!r} in the table")
        return row

    def key_of_row(self, row: int) -> str:
        return self.table.keys[row].decode("ascii")

    def has_key(self, key: str) -> bool:
        return self._index.find(key) is not None

    # -- queries --------------------------------------------------------------------
    def query(self, arch, rng: np.random.Generator, fidelity=None) -> Observation:
        if fidelity is None or fidelity == self._full_fidelity:  # the hot path: seen before, full budget
            try:
                observations = self._full_of_cell.get(arch._key)
            except AttributeError:  # not a Cell
                raise InvalidArchitectureError(f"{self.name}: expected an NB101 Cell, got {type(arch).__name__}") from None
            if observations is None:
                observations = self._full_observations_of_new(arch)
        else:
            observations = self._observations_of(self.row_of(arch), self._fidelity(fidelity))
        n = len(observations)
        if n == 1:
            return observations[0]
        if rng is self._raw_rng:
            return observations[((self._draw_raw() >> 11) * n) >> 53]  # = int(rng.random() * n), see _draw
        return observations[self._draw(rng, n)]

    def query_row(self, row: int, rng: np.random.Generator, fidelity=None) -> Observation:
        observations = self._observations_of(row, self._full if fidelity is None else self._fidelity(fidelity))
        return observations[self._draw(rng, len(observations)) if len(observations) > 1 else 0]

    def _draw(self, rng: np.random.Generator, n: int) -> int:
        """`int(rng.random() * n)`: a uniform repeat index (rng.integers(n) costs three times
        as much). For the 64-bit bit generators the same number is computed from the raw
        64-bit draw random() is made of, which skips half the call overhead."""
        if rng is not self._raw_rng:
            if not isinstance(rng.bit_generator, _DOUBLE_FROM_RAW):
                return int(rng.random() * n)
            self._raw_rng, self._draw_raw = rng, rng.bit_generator.random_raw
        return ((self._draw_raw() >> 11) * n) >> 53

    def _observations_of(self, row: int, f: int) -> tuple[Observation, ...]:
        """The recorded repeats of a row at a fidelity column (read once, then reused)."""
        observations = self._drawn.get((row, f))
        if observations is None:
            row = int(row)
            key, fidelity = self._keys[row].decode("ascii"), self.fidelities[f]
            observations = _observations(key, float(self._params[row]), fidelity, self._runs[f][row].tolist())
            if not observations:
                raise UserError(f"{self.name}: cell {key} has no recorded run at {fidelity} epochs")
            self._drawn[(row, f)] = observations
        return observations

    def repeats(self, arch, fidelity=None) -> list[Observation]:
        return list(self._observations_of(self.row_of(arch), self._full if fidelity is None else self._fidelity(fidelity)))

    def query_rows(self, rows, rng: np.random.Generator, fidelity=None) -> BatchObservations:
        """Vectorised queries of many rows at once, one repeat drawn per entry with `rng`.

        Repeats are stored first-come (the converter's layout), so a row with k recorded
        repeats draws uniformly from the first k.
        """
        rows = np.asarray(rows)
        if rows.ndim != 1 or not (rows.dtype.kind in "iu" or len(rows) == 0):
            raise UserError(f"{self.name}: rows must be a 1-d array of integers in [0, {len(self)})")
        rows = rows.astype(np.int64)
        if len(rows) and (rows.min() < 0 or rows.max() >= len(self)):
            raise UserError(f"{self.name}: rows must be a 1-d array of integers in [0, {len(self)})")
        f = self._full if fidelity is None else self._fidelity(fidelity)
        train, valid, test, cost = (values[rows] for values in self._columns[f])  # (k, R) each
        available = np.count_nonzero(~np.isnan(valid), axis=1)
        if np.any(available == 0):
            bad = int(rows[np.argmax(available == 0)])
            raise UserError(f"{self.name}: cell {self.key_of_row(bad)} has no recorded run at {self.fidelities[f]} epochs")
        repeat = (rng.random(len(rows)) * available).astype(np.int64)
        pick = np.arange(len(rows))
        return BatchObservations(
            rows=rows, repeat=repeat, train=train[pick, repeat], valid=valid[pick, repeat], test=test[pick, repeat],
            cost=cost[pick, repeat], params=np.asarray(self.table.params[rows], dtype=np.float64),
            fidelity=self.fidelities[f],
        )

    def query_official(self, cell, rng: np.random.Generator, epochs: int = 108, stop_halfway: bool = False) -> dict:
        """One repeat drawn uniformly with `rng`, as the dict `nasbench.api.NASBench.query` returns."""
        return self.query_official_row(self.row_of(cell), rng, epochs, stop_halfway)

    def query_official_row(self, row: int, rng: np.random.Generator, epochs: int = 108, stop_halfway: bool = False) -> dict:
        f = self._column_of(epochs, _HALFWAY if stop_halfway else _FINAL)
        obs = self.query_row(row, rng, self.fidelities[f])
        matrix, ops = self._fixed(row)
        return {
            "module_adjacency": matrix,
            "module_operations": ops,
            "trainable_parameters": int(self.table.params[row]),
            "training_time": obs.cost,
            "train_accuracy": obs.train,
            "validation_accuracy": obs.valid,
            "test_accuracy": obs.test,
        }

    def _column_of(self, epochs, half: int) -> int:
        try:
            return self._column[(self.epochs.index(int(epochs)), half)]
        except (ValueError, TypeError):
            raise UserError(
                f"{self.name}: {epochs!r} epochs is not in the table; use one of {', '.join(map(str, self.epochs))}"
            ) from None

    def metrics_by_hash(self, key: str) -> tuple[dict, dict]:
        """(fixed_stat, computed_stat) exactly as `NASBench.get_metrics_from_hash` returns them."""
        return self.metrics_of_row(self.row_of_key(key))

    def metrics_of_row(self, row: int) -> tuple[dict, dict]:
        matrix, ops = self._fixed(row)
        fixed = {"module_adjacency": matrix, "module_operations": ops, "trainable_parameters": int(self.table.params[row])}
        computed = {}
        for e, epochs in enumerate(self.epochs):
            points = []
            for halfway, final in zip(*(self._observations_or_none(row, self._column[(e, h)]) for h in (_HALFWAY, _FINAL))):
                point = {}
                for prefix, obs in (("halfway_", halfway), ("final_", final)):
                    point[prefix + "training_time"] = obs.cost
                    point[prefix + "train_accuracy"] = obs.train
                    point[prefix + "validation_accuracy"] = obs.valid
                    point[prefix + "test_accuracy"] = obs.test
                points.append(point)
            if points:
                computed[epochs] = points
        return fixed, computed

    def _observations_or_none(self, row: int, f: int) -> list[Observation]:
        try:
            return list(self._observations_of(row, f))
        except UserError:
            return []

    # -- cells ------------------------------------------------------------------------
    def _fixed(self, row: int) -> tuple[np.ndarray, list[str]]:
        num_vertices, adjacency, ops = self._cell_arrays
        v = int(num_vertices[row])
        # the official API keeps the stored matrix as int8 and the ops as a list of names
        return np.array(adjacency[row, :v, :v], dtype=np.int8), [_LABEL_NAMES[label] for label in ops[row, :v].tolist()]

    def cell_of_row(self, row: int) -> Cell:
        matrix, ops = self._fixed(row)
        return Cell(matrix.astype(np.uint8), ops)

    def cells(self) -> Iterator[Cell]:
        """Every cell of the table, in row order (the stored matrix and operations)."""
        for row in range(len(self)):
            yield self.cell_of_row(row)

    def keys(self) -> list[str]:
        """Module hash of every row, in row order (the official `hash_iterator` order: file order)."""
        return [key.decode("ascii") for key in self.table.keys.tolist()]

    # -- means and optimum (computed on first use: they read every row) -------------------
    @property
    def valid_mean(self) -> np.ndarray:
        return self._mean_arrays()[0]

    @property
    def test_mean(self) -> np.ndarray:
        return self._mean_arrays()[1]

    def _mean_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self._means is None:
            with np.errstate(all="ignore"):
                self._means = tuple(
                    np.stack([_nanmean(column[k]) for column in self._columns], axis=1) for k in (_VALID, _TEST)
                )
        return self._means

    def _means_row(self, row: int, fidelity) -> MeanMetrics:
        # Summed in repeat order from zero, as the vectorised nanmean of `_mean_arrays` does, so
        # a cell's mean and the optimum agree to the last bit whichever is computed first.
        f = self._full if fidelity is None else self._fidelity(fidelity)
        try:
            observations = self._observations_of(row, f)
        except UserError:  # no recorded run at this fidelity
            return MeanMetrics(valid=math.nan, test=math.nan)
        n = len(observations)
        return MeanMetrics(valid=sum(o.valid for o in observations) / n, test=sum(o.test for o in observations) / n)

    # -- objectives (multi-objective experiments) --------------------------------------
    @property
    def objectives(self):
        return declare("valid", "test", "params", "train_time", "train",
                       units={"valid": self.metric})

    def _objective_column(self, name: str) -> np.ndarray:
        if name == "valid":
            return self.valid_mean[:, self._full]
        if name == "test":
            return self.test_mean[:, self._full]
        if name == "params":
            return np.asarray(self._params, dtype=float)
        with np.errstate(all="ignore"):
            return _nanmean(self._runs[self._full][..., {"train_time": _TIME, "train": _TRAIN}[name]])

    # -- the Benchmark contract -------------------------------------------------------
    @property
    def optimum(self) -> Optimum:
        if self._optimum is None:
            self._optimum = Optimum(
                valid=float(np.nanmax(self.valid_mean[:, self._full])),
                test=float(np.nanmax(self.test_mean[:, self._full])),
            )
        return self._optimum


def _structural_index(path: Path, cell_arrays: tuple, now: bool = False) -> StructuralIndex | None:
    """The file's structural index once this process has met enough first sightings (or
    `now`), else None."""
    stat = path.stat()
    identity = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    index = _STRUCTURAL.get(identity)
    if index is None:
        misses = _FIRST_SIGHTINGS[identity] = _FIRST_SIGHTINGS.get(identity, 0) + 1
        if misses <= _INDEX_AFTER_MISSES and not now:
            return None
        index = _STRUCTURAL[identity] = StructuralIndex(*cell_arrays)
    return index


def _fidelity_columns(path: Path, epochs: tuple[int, ...]) -> list[tuple[int, int, int]]:
    """(fidelity in epochs, epoch index, halfway|final) for every column, sorted by fidelity."""
    columns = sorted(
        [(e // 2, i, _HALFWAY) for i, e in enumerate(epochs)] + [(e, i, _FINAL) for i, e in enumerate(epochs)]
    )
    values = [value for value, _, _ in columns]
    if len(set(values)) != len(values) or min(values) < 1:
        raise DataError(
            f"{path}: epoch budgets {list(epochs)} make halfway points that coincide with other budgets "
            "(or are zero); benchlab cannot serve them as distinct fidelities"
        )
    return columns


# -- names: the registry entry and "nb101:PATH" ------------------------------------------------
def registry_entries() -> list[BenchmarkEntry]:
    return [
        BenchmarkEntry(
            name="nb101",
            load=lambda: NB101Benchmark.open(default_path(), name="nb101"),
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
    return NB101Benchmark.open(table_for(path), name=name)


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
    from benchlab.io.download import sha256_of

    memo[memo_key] = sha256_of(src)
    write_atomic(memo_path, json.dumps(memo, indent=1, sort_keys=True).encode())
    return memo[memo_key]
