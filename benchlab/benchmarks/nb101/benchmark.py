"""NAS-Bench-101 served from the converted HDF5 table (see benchlab/io/nb101_convert.py).

Opening reads no metrics and builds no per-cell Python objects: the datasets are
memory-mapped (store.py), and a module hash finds its row through a sorted array of 64-bit
hash prefixes (hash_index.py). Means and the optimum are computed on first use. Every
lookup of a cell goes through one `CellResolver` (resolver.py), which owns the raw-cell
cache and the structural index; a row's repeats at a fidelity become `Observation`s once,
at its first query, and are handed out again after that.

Fidelities are epochs trained: every epoch budget E of the file and its halfway point
E // 2 (the official "stop_halfway" evaluation of a run trained for E epochs), sorted, e.g.
(2, 4, 6, 12, 18, 36, 54, 108) for the full file and (54, 108) for the 108-epoch one.
The Table view keeps the hash column as (n,) S32 ASCII bytes; `keys()` gives strings.
The official API's dictionaries are built in benchlab/compat/nasbench/official.py.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np

from benchlab.benchmarks.base import MeanMetrics, Observation, Optimum
from benchlab.benchmarks.objectives import declare
from benchlab.benchmarks.nb101.hash_index import HashIndex
from benchlab.benchmarks.nb101.location import default_path
from benchlab.benchmarks.nb101.resolver import CellResolver
from benchlab.benchmarks.nb101.store import _TEST, _TIME, _TRAIN, _VALID, NB101Table, fidelity_columns, read_table, text
from benchlab.benchmarks.tabular import TabularBenchmark, _nanmean
from benchlab.errors import UserError
from benchlab.io.nb101_convert import FORMAT, OP_LABELS
from benchlab.spaces.nb101 import Cell, NB101Space

_LABEL_NAMES = MappingProxyType({label: name for name, label in OP_LABELS.items()})


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


class NB101Benchmark(TabularBenchmark):
    """NAS-Bench-101 (CIFAR-10): validation/test accuracy and training time of each cell.

    `resolver_options` go to the `CellResolver` (`cache_limit`, `index_after`,
    `structural_index`); `raw_draws=False` draws every repeat through `rng.random()` (the
    same numbers, slower; for measuring what the raw draw saves).
    """

    metric = "validation accuracy (fraction)"

    def __init__(self, path: Path, name: str, attrs: dict, arrays: dict, *, raw_draws: bool = True, **resolver_options):
        # Not TabularBenchmark.__init__: it builds a dict over all keys and per-cell means,
        # which opening must avoid; means and the optimum are computed on first use instead.
        self.path = Path(path)
        self.name = name
        self.epochs = tuple(int(e) for e in attrs["epochs"])
        self.max_vertices = int(attrs["max_vertices"])
        self.max_edges = int(attrs["max_edges"])
        self.source_name = text(attrs.get("source_name", ""))
        self.source_sha256 = text(attrs.get("source_sha256", ""))
        self.space = NB101Space(max_vertices=self.max_vertices, max_edges=self.max_edges)
        columns = fidelity_columns(self.path, self.epochs)
        self.fidelities = tuple(value for value, _, _ in columns)
        self.column_of = {(e, h): f for f, (_, e, h) in enumerate(columns)}  # (epoch index, halfway|final) -> column
        metrics = arrays["metrics"]
        # per fidelity column: (train, valid, test, time) views of shape (n, R), copying nothing
        self._columns = [tuple(metrics[:, e, :, h, k] for k in range(4)) for _, e, h in columns]
        # per fidelity column: the (n, R, 4) view of [train, valid, test, time] per repeat
        self._runs = [metrics[:, e, :, h] for _, e, h in columns]
        self.table = NB101Table(
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
        self._means = None  # (valid_mean, test_mean), each (n, F), computed on first use
        self._optimum = None
        self._checksum = None
        self._index = HashIndex(arrays["hash"])
        self._keys, self._params = arrays["hash"], arrays["trainable_parameters"]
        self.stored_cells = (arrays["num_vertices"], arrays["adjacency"], arrays["ops"])
        self.resolver = CellResolver(
            name, self.space, self._index, self.stored_cells, complete=n == self.space.size, **resolver_options
        )
        # per fidelity column: row -> its observations. Only what was queried is held (a list
        # over all rows is a container the garbage collector would walk whole).
        self._drawn: list[dict[int, tuple[Observation, ...]]] = [{} for _ in columns]
        self.raw_draws = raw_draws
        self._raw_rng = self._draw_raw = None  # the last 64-bit generator `query` drew from, and its raw draw

    def __reduce__(self):
        # reopen by path in another process instead of pickling the arrays
        return (type(self).open, (self.path, self.name))

    @classmethod
    def open(cls, path: str | os.PathLike | None = None, name: str = "nb101", **options) -> NB101Benchmark:
        """Open a converted table; `DataError` naming the file and the fix for anything else."""
        path = Path(path) if path is not None else default_path()
        return cls(path, name, *read_table(path), **options)

    # -- lookups ------------------------------------------------------------------
    def row_of(self, arch) -> int:
        return self.resolver.row_of(arch)

    def build_structural_index(self) -> None:
        """Build the structural index now rather than after enough first sightings (worth it
        before a long search)."""
        self.resolver.build_structural_index()

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
        row = self.resolver.row_of(arch)
        f = self._full if fidelity is None else self._fidelity(fidelity)
        observations = self._drawn[f].get(row) or self.observations_of(row, f)
        n = len(observations)
        if n == 1:
            return observations[0]
        if rng is self._raw_rng:  # = index_from_raw(raw, n): int(rng.random() * n), see _draw
            return observations[((self._draw_raw() >> 11) * n) >> 53]
        return observations[self._draw(rng, n)]

    def _draw(self, rng: np.random.Generator, n: int) -> int:
        """`int(rng.random() * n)`. With `raw_draws` (the default) `TabularBenchmark._draw`: the
        same number from the raw 64-bit draw where the bit generator allows (`benchlab.draws`),
        after which `query` draws inline from that generator's raw draws
        (test_nb101_query_perf.py shows the evolution workload with and without)."""
        return super()._draw(rng, n) if self.raw_draws else int(rng.random() * n)

    def query_row(self, row: int, rng: np.random.Generator, fidelity=None) -> Observation:
        """One recorded repeat drawn uniformly, `int(rng.random() * repeats)` (`rng.integers`
        costs three times as much); no draw for a row with one repeat. `query` is this after
        the row lookup."""
        return self.query_column(row, self._full if fidelity is None else self._fidelity(fidelity), rng)

    def query_column(self, row: int, f: int, rng: np.random.Generator) -> Observation:
        """`query_row` at fidelity column `f` (an index into `fidelities`); the draw as `query`'s."""
        observations = self._drawn[f].get(row) or self.observations_of(row, f)
        n = len(observations)
        if n == 1:
            return observations[0]
        if rng is self._raw_rng:
            return observations[((self._draw_raw() >> 11) * n) >> 53]
        return observations[self._draw(rng, n)]

    def observations_of(self, row: int, f: int) -> tuple[Observation, ...]:
        """The recorded repeats of a row at fidelity column `f` (built once, then reused)."""
        observations = self._drawn[f].get(row)
        if observations is None:
            row = int(row)
            key, fidelity, params = self._keys[row].decode("ascii"), self.fidelities[f], float(self._params[row])
            observations = tuple(
                Observation(key, valid, test, time, fidelity, r, train, params)
                for r, (train, valid, test, time) in enumerate(self._runs[f][row].tolist())
                if valid == valid  # NaN: no such repeat
            )
            if not observations:
                raise UserError(f"{self.name}: cell {key} has no recorded run at {fidelity} epochs")
            self._drawn[f][row] = observations
        return observations

    def repeats(self, arch, fidelity=None) -> list[Observation]:
        return list(self.observations_of(self.row_of(arch), self._full if fidelity is None else self._fidelity(fidelity)))

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

    # -- cells ------------------------------------------------------------------------
    def stored_cell(self, row: int) -> tuple[np.ndarray, list[str]]:
        """(int8 matrix, op names) of a row as stored (the official API's layout: int8, a list)."""
        num_vertices, adjacency, ops = self.stored_cells
        v = int(num_vertices[row])
        return np.array(adjacency[row, :v, :v], dtype=np.int8), [_LABEL_NAMES[label] for label in ops[row, :v].tolist()]

    def cell_of_row(self, row: int) -> Cell:
        matrix, ops = self.stored_cell(row)
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
            observations = self.observations_of(row, f)
        except UserError:  # no recorded run at this fidelity
            return MeanMetrics(valid=math.nan, test=math.nan)
        n = len(observations)
        return MeanMetrics(valid=sum(o.valid for o in observations) / n, test=sum(o.test for o in observations) / n)

    # -- objectives (multi-objective experiments) --------------------------------------
    @property
    def objectives(self):
        return declare("valid", "test", "params", "train_time", "train", units={"valid": self.metric})

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
