"""A benchmark served from a `Table`: the query, means and optimum logic all benchmarks share."""

from __future__ import annotations

import math
from collections.abc import Hashable

import numpy as np

from benchlab.benchmarks.base import Benchmark, MeanMetrics, Observation, Optimum
from benchlab.benchmarks.objectives import Objective, declare
from benchlab.benchmarks.table import Table
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
        self._row_by_key = {k: i for i, k in enumerate(table.keys.tolist())}
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

    # -- lookups ------------------------------------------------------------------
    def row_of(self, arch: Hashable) -> int:
        """Row of the table holding `arch`; a clear error for architectures the table lacks."""
        key = self.space.key(arch)
        try:
            return self._row_by_key[key]
        except KeyError:
            raise InvalidArchitectureError(
                f"{self.name}: architecture {self.space.format(arch)} (key {key}) is not in the table"
            ) from None

    def row_of_key(self, key: str) -> int:
        try:
            return self._row_by_key[key]
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
        return self.query_row(self.row_of(arch), rng, fidelity)

    def query_row(self, row: int, rng: np.random.Generator, fidelity=None) -> Observation:
        f = self._fidelity(fidelity)
        available = self._available[row, f]
        if available == 0:
            raise UserError(
                f"{self.name}: architecture {self.table.keys[row]} has no recorded run at fidelity "
                f"{self.fidelities[f]}"
            )
        r = int(rng.integers(available)) if available > 1 else 0
        return self._observation(row, f, r)

    def _observation(self, row: int, f: int, r: int) -> Observation:
        t = self.table
        return Observation(
            key=str(t.keys[row]),
            valid=float(t.valid[row, f, r]),
            test=float(t.test[row, f, r]) if t.test is not None else math.nan,
            cost=float(t.cost[row, f, r]) if t.cost is not None else 1.0,
            fidelity=self.fidelities[f],
            repeat=r,
            train=float(t.train[row, f, r]) if t.train is not None else math.nan,
            params=float(t.params[row]) if t.params is not None else math.nan,
            latency=float(t.latency[row]) if t.latency is not None else math.nan,
            precision=float(t.precision[row, f, r]) if t.precision is not None else math.nan,
            f1=float(t.f1[row, f, r]) if t.f1 is not None else math.nan,
        )

    def repeats(self, arch: Hashable, fidelity=None) -> list[Observation]:
        """Every recorded repeat of `arch` (for `benchlab query` and verification)."""
        row, f = self.row_of(arch), self._fidelity(fidelity)
        return [self._observation(row, f, r) for r in range(int(self._available[row, f]))]

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
