"""NAS-Bench-101 served from the converted HDF5 table (see benchlab/io/nb101_convert.py).

Opening reads the metrics and hashes contiguously into numpy arrays and builds no
per-cell Python objects: a cell's row is found through a sorted array of 64-bit hash
prefixes (`np.searchsorted`), and the cell data (adjacency, operations) is read only when
something asks for it. Queries of a raw cell seen before skip hashing: the benchmark
remembers raw cell -> row.

Fidelities are epochs trained: every epoch budget E of the file and its halfway point
E // 2 (the official "stop_halfway" evaluation of a run trained for E epochs), sorted, e.g.
(2, 4, 6, 12, 18, 36, 54, 108) for the full file and (54, 108) for the 108-epoch one.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchlab import paths
from benchlab.benchmarks.base import Observation, Optimum
from benchlab.benchmarks.registry import BenchmarkEntry
from benchlab.benchmarks.table import Table
from benchlab.benchmarks.tabular import TabularBenchmark, _nanmean
from benchlab.errors import DataError, InvalidArchitectureError, UserError
from benchlab.io.nb101_convert import FORMAT, FORMAT_VERSION, OP_LABELS
from benchlab.spaces.nb101 import Cell, NB101Space

DATA_NAME = "nasbench101.h5"
GET_COMMAND = "make data"
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_LABEL_NAMES = {label: name for name, label in OP_LABELS.items()}
_HALFWAY, _FINAL = 0, 1  # index of the metrics array's halfway/final axis
_TRAIN, _VALID, _TEST, _TIME = 0, 1, 2, 3  # index of its metric axis
_RAW_CACHE_LIMIT = 1 << 20  # raw cells remembered before the cache starts afresh


def default_path() -> Path:
    return paths.data_dir() / DATA_NAME


def is_hdf5(path: str | os.PathLike) -> bool:
    with open(path, "rb") as fh:
        return fh.read(8) == _HDF5_SIGNATURE


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
    ~30 ms and 7 MB, and a lookup is one binary search plus a check of the full hash.
    """

    def __init__(self, keys: np.ndarray):
        self.keys = keys  # (n,) str, the full hashes
        self.prefix = _hash_prefixes(keys)
        self.order = np.argsort(self.prefix, kind="stable")
        self.sorted_prefix = self.prefix[self.order]

    def find(self, key: str) -> int | None:
        try:
            value = int(key[:16], 16)
        except (ValueError, TypeError):
            return None
        if len(key) != 32:
            return None
        pos = int(np.searchsorted(self.sorted_prefix, np.uint64(value)))
        while pos < len(self.order) and int(self.sorted_prefix[pos]) == value:
            row = int(self.order[pos])
            if self.keys[row] == key:
                return row
            pos += 1  # another hash with the same first 64 bits
        return None


def _hash_prefixes(keys: np.ndarray) -> np.ndarray:
    """First 16 hex digits of each (n,) str hash as uint64, vectorised."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    codes = keys.astype("U32").view(np.uint32).reshape(n, 32)[:, :16].astype(np.uint64)
    digits = np.where(codes >= ord("a"), codes - ord("a") + 10, codes - ord("0"))
    if np.any(digits > 15):
        raise DataError("the table's hash column holds non-hexadecimal text; convert the file again")
    weights = np.uint64(16) ** np.arange(15, -1, -1, dtype=np.uint64)
    return (digits * weights).sum(axis=1, dtype=np.uint64)


class NB101Benchmark(TabularBenchmark):
    """NAS-Bench-101 (CIFAR-10): validation/test accuracy and training time of each cell.

    `query(cell, rng, fidelity)` follows the Benchmark contract; `query_official` answers
    exactly as the official `nasbench.api.NASBench.query` does.
    """

    metric = "validation accuracy (fraction)"

    def __init__(self, path: Path, name: str, attrs: dict, keys: np.ndarray, params: np.ndarray, metrics: np.ndarray):
        # Not TabularBenchmark.__init__: it builds a dict over all keys, which opening must avoid.
        self.path = Path(path)
        self.name = name
        self.epochs = tuple(int(e) for e in attrs["epochs"])
        self.max_vertices = int(attrs["max_vertices"])
        self.max_edges = int(attrs["max_edges"])
        self.source_name = str(attrs.get("source_name", ""))
        self.source_sha256 = str(attrs.get("source_sha256", ""))
        self.space = NB101Space(max_vertices=self.max_vertices, max_edges=self.max_edges)
        columns = _fidelity_columns(self.path, self.epochs)
        self.fidelities = tuple(value for value, _, _ in columns)
        self._column = {(e, h): f for f, (_, e, h) in enumerate(columns)}
        # One (4, n, F, R) array whose slices are the Table's train/valid/test/cost views:
        # no second copy of the 81 MB of metrics.
        n, _, repeats = metrics.shape[:3]
        stacked = np.empty((4, n, len(columns), repeats))
        for f, (_, e, h) in enumerate(columns):
            stacked[:, :, f, :] = np.moveaxis(metrics[:, e, :, h, :], -1, 0)
        self._stacked = stacked
        self.table = Table(
            keys=keys,
            valid=stacked[_VALID],
            test=stacked[_TEST],
            cost=stacked[_TIME],
            train=stacked[_TRAIN],
            params=params,
            fidelities=self.fidelities,
            meta={"source": self.source_name, "source_sha256": self.source_sha256, "format": FORMAT},
        )
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
        self._available = np.sum(~np.isnan(self.table.valid), axis=2)  # (n, F) repeats present
        with np.errstate(all="ignore"):
            self.valid_mean = _nanmean(self.table.valid)
            self.test_mean = _nanmean(self.table.test)
        self._optimum = None
        self._checksum = None
        self._index = _HashIndex(self.table.keys)
        self._raw_rows: dict = {}  # raw Cell -> row: the fast path of repeated queries
        self._drawn: dict = {}  # (row, fidelity column) -> tuple of Observations, one per repeat
        self._cells = None  # (num_vertices, adjacency, ops), read on first use

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
            fmt = attrs.get("format")
            if isinstance(fmt, bytes):
                fmt = fmt.decode(errors="replace")
            if fmt != FORMAT:
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
            try:
                keys = fh["hash"][()]
                params = fh["trainable_parameters"][()]
                metrics = fh["metrics"][()]
            except KeyError as exc:
                raise DataError(f"{path}: NB101 table lacks {exc}; convert the .tfrecord again") from None
        n = len(keys)
        if n == 0 or metrics.shape[:1] != (n,) or metrics.shape[3:] != (2, 4) or params.shape != (n,):
            raise DataError(f"{path}: NB101 table arrays disagree in shape; convert the .tfrecord again")
        if metrics.shape[1] != len(attrs["epochs"]):
            raise DataError(f"{path}: NB101 table has {metrics.shape[1]} epoch columns for epochs {attrs['epochs']}")
        return cls(path, name, attrs, keys.astype("U32"), params, metrics)

    # -- lookups ------------------------------------------------------------------
    def row_of(self, arch) -> int:
        row = self._raw_rows.get(arch)
        if row is None:
            row = self._row_of_new(arch)
        return row

    def _row_of_new(self, cell) -> int:
        if not isinstance(cell, Cell):
            raise InvalidArchitectureError(f"{self.name}: expected an NB101 Cell, got {type(cell).__name__}")
        key = self.space.key(cell)  # validates: InvalidArchitectureError naming the broken rule
        row = self._index.find(key)
        if row is None:
            raise InvalidArchitectureError(
                f"{self.name}: cell {self.space.format(cell)} (key {key}) is not in the table"
            )
        if len(self._raw_rows) >= _RAW_CACHE_LIMIT:
            self._raw_rows.clear()
        self._raw_rows[cell] = row
        return row

    def row_of_key(self, key: str) -> int:
        row = self._index.find(key)
        if row is None:
            raise UserError(f"{self.name}: no cell with module hash {key!r} in the table")
        return row

    def key_of_row(self, row: int) -> str:
        return str(self.table.keys[row])

    def has_key(self, key: str) -> bool:
        return self._index.find(key) is not None

    # -- queries --------------------------------------------------------------------
    def query(self, arch, rng: np.random.Generator, fidelity=None) -> Observation:
        row = self._raw_rows.get(arch)
        if row is None:
            row = self._row_of_new(arch)
        return self.query_row(row, rng, fidelity)

    def query_row(self, row: int, rng: np.random.Generator, fidelity=None) -> Observation:
        f = self._full if fidelity is None else self._fidelity(fidelity)
        draws = self._drawn.get((row, f))
        if draws is None:
            draws = self._observations(row, f)
        n = len(draws)
        # rng.random() is three times cheaper than rng.integers(n) and just as uniform here.
        return draws[int(rng.random() * n)] if n > 1 else draws[0]

    def _observations(self, row: int, f: int) -> tuple:
        row = int(row)
        available = int(self._available[row, f])
        if available == 0:
            raise UserError(
                f"{self.name}: cell {self.table.keys[row]} has no recorded run at {self.fidelities[f]} epochs"
            )
        train, valid, test, cost = (self._stacked[k, row, f, :available].tolist() for k in range(4))
        key, params, fidelity = str(self.table.keys[row]), float(self.table.params[row]), self.fidelities[f]
        draws = tuple(
            Observation(key=key, valid=valid[r], test=test[r], cost=cost[r], fidelity=fidelity, repeat=r,
                        train=train[r], params=params)
            for r in range(available)
        )
        self._drawn[(row, f)] = draws
        return draws

    def repeats(self, arch, fidelity=None) -> list[Observation]:
        return list(self._observations(self.row_of(arch), self._full if fidelity is None else self._fidelity(fidelity)))

    def query_rows(self, rows, rng: np.random.Generator, fidelity=None) -> BatchObservations:
        """Vectorised queries of many rows at once (one repeat drawn per entry with `rng`)."""
        rows = np.asarray(rows, dtype=np.int64)
        if rows.ndim != 1 or (len(rows) and (rows.min() < 0 or rows.max() >= len(self))):
            raise UserError(f"{self.name}: rows must be a 1-d array of integers in [0, {len(self)})")
        f = self._full if fidelity is None else self._fidelity(fidelity)
        available = self._available[rows, f]
        if np.any(available == 0):
            bad = int(rows[np.argmax(available == 0)])
            raise UserError(f"{self.name}: cell {self.table.keys[bad]} has no recorded run at {self.fidelities[f]} epochs")
        repeat = (rng.random(len(rows)) * available).astype(np.int64)
        picked = self._stacked[:, rows, f, repeat]  # (4, len(rows))
        return BatchObservations(
            rows=rows, repeat=repeat, train=picked[_TRAIN], valid=picked[_VALID], test=picked[_TEST],
            cost=picked[_TIME], params=self.table.params[rows].astype(np.float64), fidelity=self.fidelities[f],
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
            half, final = self._column[(e, _HALFWAY)], self._column[(e, _FINAL)]
            points = []
            for r in range(int(self._available[row, final])):
                point = {}
                for prefix, f in (("halfway_", half), ("final_", final)):
                    train, valid, test, time = self._stacked[:, row, f, r].tolist()
                    point.update({
                        prefix + "training_time": time, prefix + "train_accuracy": train,
                        prefix + "validation_accuracy": valid, prefix + "test_accuracy": test,
                    })
                points.append(point)
            if points:
                computed[epochs] = points
        return fixed, computed

    # -- cells ------------------------------------------------------------------------
    def _cell_arrays(self):
        if self._cells is None:
            import h5py

            with h5py.File(self.path, "r") as fh:
                self._cells = (fh["num_vertices"][()], fh["adjacency"][()], fh["ops"][()])
        return self._cells

    def _fixed(self, row: int) -> tuple[np.ndarray, list[str]]:
        num_vertices, adjacency, ops = self._cell_arrays()
        v = int(num_vertices[row])
        # the official API keeps the stored matrix as int8 and the ops as a list of names
        return adjacency[row, :v, :v].astype(np.int8), [_LABEL_NAMES[label] for label in ops[row, :v].tolist()]

    def cell_of_row(self, row: int) -> Cell:
        matrix, ops = self._fixed(row)
        return Cell(matrix.astype(np.uint8), ops)

    def cells(self) -> Iterator[Cell]:
        """Every cell of the table, in row order (the stored matrix and operations)."""
        for row in range(len(self)):
            yield self.cell_of_row(row)

    def keys(self) -> np.ndarray:
        """Module hash of every row (the official `hash_iterator` order: file order)."""
        return self.table.keys

    # -- the Benchmark contract -------------------------------------------------------
    @property
    def optimum(self) -> Optimum:
        if self._optimum is None:
            self._optimum = Optimum(
                valid=float(np.nanmax(self.valid_mean[:, self._full])),
                test=float(np.nanmax(self.test_mean[:, self._full])),
            )
        return self._optimum


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
    digest = hashlib.sha256()
    with open(src, "rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
    memo[memo_key] = digest.hexdigest()
    memo_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = memo_path.with_name(f".{memo_path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(memo, indent=1, sort_keys=True))
    os.replace(tmp, memo_path)
    return memo[memo_key]
