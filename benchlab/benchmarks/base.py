"""The benchmark contract: a search space plus recorded results.

Scores are "higher is better" fractions for accuracies (a benchmark stored in percent is
converted when loaded); a benchmark whose metric is a loss serves its negative so that
regret = optimum - score stays non-negative everywhere. Costs are seconds of recorded
training time, or one unit per query where a benchmark records no time.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Hashable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from benchlab.benchmarks.objectives import Objective, declare
from benchlab.spaces.base import SearchSpace

NAN = math.nan


class Observation(NamedTuple):
    """One recorded training run of one architecture, as a lookup returns it.

    Immutable (lookups hand the same object out again) and a named tuple rather than a
    frozen dataclass because it is built on the hot path of every first lookup of a cell,
    where a frozen dataclass costs four times as much to construct.
    """

    key: str
    valid: float  # validation score of the drawn repeat
    test: float  # test score of the same repeat; NaN where the benchmark has none
    cost: float  # seconds of training charged to the clock (1.0 per query without times)
    fidelity: int | None  # the budget it was trained for (epochs), None for single-fidelity
    repeat: int  # which recorded repeat was drawn
    train: float = NAN
    params: float = NAN
    # appended for multi-objective experiments; read them through `Objective.field`
    latency: float = NAN  # inference latency (seconds); per cell
    precision: float = NAN  # validation precision of the repeat
    f1: float = NAN  # validation F1 of the repeat


def observed(obs: Observation, field: str) -> float:
    """`obs.<field>`, NaN for a field a short tuple lacks (fast paths may build Observations
    from the leading fields only with tuple.__new__)."""
    try:
        return getattr(obs, field)
    except IndexError:
        return NAN


@dataclass(frozen=True, slots=True)
class MeanMetrics:
    """Exact per-architecture means over the recorded repeats, used for regret."""

    valid: float
    test: float


@dataclass(frozen=True, slots=True)
class Optimum:
    """Best mean validation and best mean test score at the full fidelity (may be different cells)."""

    valid: float
    test: float


class Benchmark(ABC):
    """A search space plus a table. Queries draw a recorded repeat with the rng they are handed."""

    name: str = "benchmark"
    space: SearchSpace
    #: budgets the table holds, ascending; the last is the full budget regret is measured at
    fidelities: tuple = (None,)
    n_repeats: int = 1
    has_test_metric: bool = True
    has_time_cost: bool = True
    #: what `valid` / `test` are, e.g. "accuracy (fraction)" or "negative validation MSE"
    metric: str = "accuracy"
    description: str = ""

    @property
    def objectives(self) -> tuple[Objective, ...]:
        """What the benchmark records per cell (benchlab.benchmarks.objectives); by default the
        validation score and, where there is one, the report-only test score."""
        names = ("valid", "test") if self.has_test_metric else ("valid",)
        return declare(*names, units={"valid": self.metric})

    def objective(self, name: str) -> Objective:
        """The declared objective `name`; a clear error naming the declared ones otherwise."""
        from benchlab.errors import UnknownNameError

        for objective in self.objectives:
            if objective.name == name:
                return objective
        raise UnknownNameError(
            f"{self.name} has no objective {name!r}; it records {', '.join(o.name for o in self.objectives)}"
        )

    def objective_means(self, names) -> np.ndarray:
        """(cells, len(names)) repeat-means of the named objectives at the full budget, in row order."""
        for name in names:
            self.objective(name)
        return np.stack([self._objective_column(name) for name in names], axis=1)

    def _objective_column(self, name: str) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} cannot list every cell's {name}; it serves no table")

    def pareto_front(self, names):
        """The exact Pareto front of the named objectives over every cell's repeat-mean (cached)."""
        from benchlab.pareto.front import front_of

        return front_of(self, tuple(names))

    @property
    def max_fidelity(self):
        return self.fidelities[-1]

    @abstractmethod
    def query(self, arch: Hashable, rng: np.random.Generator, fidelity=None) -> Observation:
        """Draw one recorded repeat of `arch` at `fidelity` (default: the full budget)."""

    @abstractmethod
    def means(self, arch: Hashable, fidelity=None) -> MeanMetrics:
        """Mean validation and test score over repeats (NaN test where none exists)."""

    @abstractmethod
    def means_by_key(self, key: str, fidelity=None) -> MeanMetrics:
        """Same as `means`, from a canonical key (the simulator keeps keys, not objects)."""

    @property
    @abstractmethod
    def optimum(self) -> Optimum:
        """Best mean validation and best mean test over all architectures at the full budget."""

    def data_checksum(self) -> str:
        """A digest of the data the benchmark serves, recorded in experiment manifests."""
        return ""

    def check_fidelity(self, fidelity):
        """Return the fidelity to use, or raise a clear error for one the table lacks."""
        from benchlab.errors import UserError

        if fidelity is None:
            return self.max_fidelity
        if fidelity not in self.fidelities:
            raise UserError(
                f"{self.name}: fidelity {fidelity!r} is not in the table; use one of "
                f"{', '.join(str(f) for f in self.fidelities)}"
            )
        return fidelity
