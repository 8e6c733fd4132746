"""A benchmark served from a `Table`: the query, means and optimum logic all benchmarks share.

The lookup path: the first query of an architecture finds its row (`row_of`) and builds
the Observation of every recorded repeat at that fidelity from one contiguous gather of
the table (`Table.runs`); later queries of the same architecture at the full budget are
one dict lookup and one repeat draw among those ready objects (`benchlab.draws`).
"""

from __future__ import annotations

import math
from collections.abc import Hashable

import numpy as np

from benchlab.benchmarks.base import Benchmark, MeanMetrics, Observation, Optimum
from benchlab.benchmarks.objectives import Objective, declare
from benchlab.benchmarks.table import Table
from benchlab.draws import index_from_raw, raw_source
from benchlab.errors import InvalidArchitectureError, UserError
from benchlab.spaces.base import SearchSpace


class TabularBenchmark(Benchmark):
    """Lookup-based evaluation: a query returns one recorded repeat drawn with the caller's rng.

    Subclasses set the descriptive class attributes and may override `row_of` when an
    architecture's row can be computed faster than through its canonical key.
    """

    def __init__(self, name: str, space: SearchSpace, table: Table):
        self.name = name
        self.space = space
        self.table = table
        self.fidelities = tuple(table.fidelities)
        self.n_repeats = table.n_repeats
        self.has_test_metric = table.test is not None and not np.all(np.isnan(table.test))
        self.has_time_cost = table.cost is not None
        self._fidelity_index = {f: i for i, f in enumerate(self.fidelities)}
        self._keys = table.keys.tolist()
        self._row_by_key: dict | None = None  # key -> row, built on first use (a load need not pay for it)
        self._available = np.sum(~np.isnan(table.valid), axis=2)  # (n, F) repeats per cell
        with np.errstate(all="ignore"):
            self.valid_mean = _nanmean(table.valid)  # (n, F)
            self.test_mean = _nanmean(table.test) if table.test is not None else np.full_like(self.valid_mean, np.nan)
        full = len(self.fidelities) - 1
        self._optimum = Optimum(
            valid=float(np.nanmax(self.valid_mean[:, full])),
            test=float(np.nanmax(self.test_mean[:, full])) if self.has_test_metric else math.nan,
        )
        self._checksum: str | None = None
        self._full = full
        self._params = table.params.tolist() if table.params is not None else None
        self._full_of_arch: dict = {}  # architecture -> its observations at the full budget
        self._drawn: dict = {}  # (row, fidelity column) -> its observations
        self._runs: np.ndarray | None = None  # Table.runs(), gathered on the first query
        self._raw_rng = self._draw_raw = None  # the last rng with a 64-bit bit generator, and its raw draw

    # -- lookups ------------------------------------------------------------------
    def row_of(self, arch: Hashable) -> int:
        """Row of the table holding `arch`; a clear error for architectures the table lacks."""
        key = self.space.key(arch)
        try:
            return self._rows_by_key()[key]
        except KeyError:
            raise InvalidArchitectureError(
                f"{self.name}: architecture {self.space.format(arch)} (key {key}) is not in the table"
            ) from None

    def _rows_by_key(self) -> dict:
        if self._row_by_key is None:
            self._row_by_key = dict(zip(self._keys, range(len(self._keys))))
        return self._row_by_key

    def row_of_key(self, key: str) -> int:
        try:
            return self._rows_by_key()[key]
        except KeyError:
            raise UserError(f"{self.name}: no architecture with key {key!r} in the table") from None

    def _fidelity(self, fidelity) -> int:
        if fidelity is None:
            return len(self.fidelities) - 1
        try:
            return self._fidelity_index[fidelity]
        except (KeyError, TypeError):
            self.check_fidelity(fidelity)  # raises the user-facing message
            raise

    def query(self, arch: Hashable, rng: np.random.Generator, fidelity=None) -> Observation:
        if fidelity is None or fidelity == self.fidelities[-1]:  # the hot path: the full budget
            try:
                observations = self._full_of_arch.get(arch)
            except TypeError:  # unhashable: no architecture of a space here; row_of says why
                observations = self._observations_of(self.row_of(arch), self._full)
            if observations is None:  # first sighting: row_of validates it
                observations = self._full_of_arch[arch] = self._observations_of(self.row_of(arch), self._full)
        else:
            observations = self._observations_of(self.row_of(arch), self._fidelity(fidelity))
        n = len(observations)
        if n == 1:
            return observations[0]
        if rng is self._raw_rng:
            return observations[((self._draw_raw() >> 11) * n) >> 53]  # = index_from_raw(raw, n)
        return observations[self._draw(rng, n)]

    def query_row(self, row: int, rng: np.random.Generator, fidelity=None) -> Observation:
        observations = self._observations_of(row, self._fidelity(fidelity))
        return observations[self._draw(rng, len(observations)) if len(observations) > 1 else 0]

    def _draw(self, rng: np.random.Generator, n: int) -> int:
        """A uniform repeat index: `int(rng.random() * n)`, from the raw 64-bit draw where it can."""
        if rng is not self._raw_rng:
            raw = raw_source(rng)
            if raw is None:
                return int(rng.random() * n)
            self._raw_rng, self._draw_raw = rng, raw
        return index_from_raw(self._draw_raw(), n)

    def _observations_of(self, row: int, f: int) -> tuple[Observation, ...]:
        """Every recorded repeat of a row at a fidelity column (built once, then reused)."""
        observations = self._drawn.get((row, f))
        if observations is None:
            if self._runs is None:
                self._runs = self.table.runs()
            key, fidelity = self._keys[row], self.fidelities[f]
            params = self._params[row] if self._params is not None else math.nan
            t = self.table
            latency = float(t.latency[row]) if t.latency is not None else math.nan
            precision = t.precision[row, f].tolist() if t.precision is not None else None
            f1 = t.f1[row, f].tolist() if t.f1 is not None else None
            observations = tuple(
                [
                    Observation(key, valid, test, cost, fidelity, r, train, params, latency,
                                precision[r] if precision is not None else math.nan,
                                f1[r] if f1 is not None else math.nan)
                    for r, (valid, test, cost, train) in enumerate(self._runs[f][row].tolist())
                    if valid == valid  # NaN: no such repeat (they come after the present ones)
                ]
            )
            if not observations:
                raise UserError(f"{self.name}: architecture {key} has no recorded run at fidelity {fidelity}")
            self._drawn[(row, f)] = observations
        return observations

    def repeats(self, arch: Hashable, fidelity=None) -> list[Observation]:
        """Every recorded repeat of `arch` (for `benchlab query` and verification)."""
        row, f = self.row_of(arch), self._fidelity(fidelity)
        return list(self._observations_of(row, f))

    def means(self, arch: Hashable, fidelity=None) -> MeanMetrics:
        return self._means_row(self.row_of(arch), fidelity)

    def means_by_key(self, key: str, fidelity=None) -> MeanMetrics:
        return self._means_row(self.row_of_key(key), fidelity)

    def _means_row(self, row: int, fidelity) -> MeanMetrics:
        f = self._fidelity(fidelity)
        return MeanMetrics(valid=float(self.valid_mean[row, f]), test=float(self.test_mean[row, f]))

    @property
    def optimum(self) -> Optimum:
        return self._optimum

    # -- objectives ------------------------------------------------------------------
    @property
    def objectives(self) -> tuple[Objective, ...]:
        """Declared from the table's columns: every recorded quantity is an objective."""
        t = self.table
        present = {
            "valid": True,
            "test": self.has_test_metric,
            "params": t.params is not None,
            "latency": t.latency is not None,
            "train_time": self.has_time_cost,
            "precision": t.precision is not None,
            "f1": t.f1 is not None,
            "train": t.train is not None and not np.all(np.isnan(t.train)),
        }
        return declare(*(name for name, there in present.items() if there),
                       units={"valid": self.metric})

    def _objective_column(self, name: str) -> np.ndarray:
        full = len(self.fidelities) - 1
        t = self.table
        if name == "valid":
            return self.valid_mean[:, full]
        if name == "test":
            return self.test_mean[:, full]
        if name in ("params", "latency"):
            return np.asarray(getattr(t, name), dtype=float)
        source = {"train_time": t.cost, "precision": t.precision, "f1": t.f1, "train": t.train}[name]
        with np.errstate(all="ignore"):
            return _nanmean(source[:, full])

    def data_checksum(self) -> str:
        if self._checksum is None:
            self._checksum = self.table.checksum()
        return self._checksum

    def __len__(self) -> int:
        return len(self.table.keys)


def _nanmean(values: np.ndarray) -> np.ndarray:
    count = np.sum(~np.isnan(values), axis=-1)
    total = np.nansum(values, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)
