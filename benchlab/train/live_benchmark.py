"""A benchmark that answers from the NB101 table when it can and trains the cell when it cannot.

A query whose cell and epoch budget the table holds is a lookup, as always. Otherwise the
cell is trained live with the NAS-Bench-101 protocol (a budget E serves fidelity E from
the end of the run and E/2 from its halfway evaluation, as the table does), and the run
is cached on disk (`data/live/` by default), so it is trained once per (cell, budget,
repeat) whatever asks for it.

Regret is measured against the table's optimum only where that bounds every answer: the
table holds every cell of the space and its full fidelity is this benchmark's. Otherwise
full-fidelity means come from live training (a 108-epoch run against a 4-epoch table, or
a cell the table lacks) and can beat the table's best, so the optimum is the metric's
bound, perfect accuracy (regret is then the incumbent's error).

Opened by the harness as `live:nb101` or `live:nb101:PATH` (the part after `live:` names
the table); torch is only imported when something must be trained.
"""

from __future__ import annotations

import math

import numpy as np

from benchlab.benchmarks.base import Benchmark, MeanMetrics, Observation, Optimum
from benchlab.errors import UserError
from benchlab.train.cache import CellTrainer, ResultCache
from benchlab.train.protocol import EPOCH_BUDGETS
from benchlab.train.results import TrainingResult

PREFIX = "live"
#: the optimum where the table cannot bound live answers: accuracy is a fraction
PERFECT_ACCURACY = Optimum(valid=1.0, test=1.0)


class TableOrTrainBenchmark(Benchmark):
    has_test_metric = True
    has_time_cost = True

    def __init__(
        self,
        table,
        trainer: CellTrainer | None = None,
        *,
        cache: ResultCache | None = None,
        budgets: tuple[int, ...] = EPOCH_BUDGETS,
        live_repeats: int = 1,
        base_seed: int = 0,
        name: str | None = None,
    ):
        if live_repeats < 1 or not budgets or min(budgets) < 2:
            raise UserError("live training needs at least one repeat and epoch budgets of at least 2")
        self.table = table
        self.space = table.space
        self.name = name or f"{PREFIX}:{table.name}"
        self.metric = table.metric
        self.n_repeats = table.n_repeats
        self.budgets = tuple(sorted(int(b) for b in budgets))
        self.live_repeats = int(live_repeats)
        self.base_seed = int(base_seed)
        self.cache = cache if cache is not None else ResultCache()
        self._trainer = trainer
        live_fidelities = {b for b in self.budgets} | {b // 2 for b in self.budgets}
        self.fidelities = tuple(sorted(live_fidelities | set(table.fidelities)))
        self.description = (
            f"{table.name} where it has the cell and budget, else live training with the NB101 protocol "
            f"(budgets {', '.join(map(str, self.budgets))}; {self.live_repeats} live repeat(s); cached in {self.cache.root}); "
            "regret against the table's optimum where it holds every cell at the full budget, else against perfect accuracy"
        )
        self._bounded: bool | None = None
        self._cells: dict[str, tuple[np.ndarray, tuple[str, ...]]] = {}

    # -- where an answer comes from ---------------------------------------------------
    @property
    def trainer(self) -> CellTrainer:
        if self._trainer is None:
            from benchlab import paths
            from benchlab.train.trainer import CifarTrainer

            self._trainer = CifarTrainer(paths.data_dir() / "cifar10", progress=False)
        return self._trainer

    def _budget_of(self, fidelity: int) -> tuple[int, bool]:
        """(epoch budget to train, whether the fidelity is its halfway point)."""
        if fidelity in self.budgets:
            return fidelity, False
        if 2 * fidelity in self.budgets:
            return 2 * fidelity, True
        raise UserError(
            f"{self.name}: fidelity {fidelity} is neither a live budget nor half of one; use one of "
            f"{', '.join(map(str, self.fidelities))}"
        )

    def _in_table(self, key: str, fidelity) -> bool:
        return fidelity in self.table.fidelities and self.table.has_key(key)

    def _live_run(self, key: str, fidelity: int, repeat: int) -> tuple[TrainingResult, bool]:
        budget, halfway = self._budget_of(fidelity)
        matrix, ops = self._cell_of(key)
        return self.cache.run(self.trainer, key, matrix, ops, budget, repeat, self.base_seed), halfway

    def _cell_of(self, key: str) -> tuple[np.ndarray, tuple[str, ...]]:
        if key not in self._cells:
            found = self.cache.cell_of(key)
            if found is None and self.table.has_key(key):
                cell = self.table.cell_of_row(self.table.row_of_key(key))
                found = (np.asarray(cell.matrix), tuple(cell.ops))
            if found is None:
                raise UserError(f"{self.name}: cell {key} was never queried here, so it cannot be trained by key")
            self._cells[key] = found
        return self._cells[key]

    # -- the Benchmark contract -------------------------------------------------------
    def query(self, arch, rng: np.random.Generator, fidelity=None) -> Observation:
        fidelity = self.check_fidelity(fidelity)
        key = self.space.key(arch)  # validates the cell (clear error naming the broken rule)
        if self._in_table(key, fidelity):
            try:
                return self.table.query(arch, rng, fidelity)
            except UserError:  # the table has the cell but no run at this budget
                pass
        self._cells.setdefault(key, (np.asarray(arch.matrix), tuple(arch.ops)))
        repeat = int(rng.integers(self.live_repeats)) if self.live_repeats > 1 else 0
        result, halfway = self._live_run(key, fidelity, repeat)
        point = result.halfway if halfway else result.final
        return Observation(
            key=key,
            valid=point.validation_accuracy,
            test=point.test_accuracy,
            cost=point.training_time,
            fidelity=fidelity,
            repeat=repeat,
            train=point.train_accuracy,
            params=float(result.trainable_parameters),
        )

    def means(self, arch, fidelity=None) -> MeanMetrics:
        key = self.space.key(arch)
        self._cells.setdefault(key, (np.asarray(arch.matrix), tuple(arch.ops)))
        return self.means_by_key(key, fidelity)

    def means_by_key(self, key: str, fidelity=None) -> MeanMetrics:
        fidelity = self.check_fidelity(fidelity)
        if self._in_table(key, fidelity):
            means = self.table.means_by_key(key, fidelity)
            if not math.isnan(means.valid):
                return means
        points = []
        for repeat in range(self.live_repeats):
            result, halfway = self._live_run(key, fidelity, repeat)
            points.append(result.halfway if halfway else result.final)
        return MeanMetrics(
            valid=float(np.mean([p.validation_accuracy for p in points])),
            test=float(np.mean([p.test_accuracy for p in points])),
        )

    @property
    def table_bounds_answers(self) -> bool:
        """Whether every full-fidelity mean is the table's (so its optimum bounds them all)."""
        if self._bounded is None:
            complete = bool(getattr(getattr(self.table, "resolver", None), "complete", False))
            full = self.table.max_fidelity == self.max_fidelity
            # a cell without a run at the full budget is trained live too
            self._bounded = complete and full and not np.isnan(self.table.valid_mean[:, -1]).any()
        return self._bounded

    @property
    def optimum(self) -> Optimum:
        if self.table_bounds_answers:
            return self.table.optimum
        return PERFECT_ACCURACY

    def data_checksum(self) -> str:
        return f"{self.table.data_checksum()}+live{list(self.budgets)}x{self.live_repeats}s{self.base_seed}"


def open_prefixed(name: str) -> TableOrTrainBenchmark:
    """`live:TABLE`: the table-or-train benchmark over the NB101 table TABLE (nb101 or nb101:PATH)."""
    from benchlab.benchmarks.registry import get_benchmark

    inner = name.split(":", 1)[1]
    if not inner:
        raise UserError(f"{name}: name the table after '{PREFIX}:', e.g. {PREFIX}:nb101 or {PREFIX}:nb101:PATH")
    table = get_benchmark(inner)
    if not (hasattr(table, "cell_of_row") and hasattr(table, "has_key")):
        raise UserError(f"{name}: {inner} is not an NB101 table; use {PREFIX}:nb101 or {PREFIX}:nb101:PATH")
    return TableOrTrainBenchmark(table, name=name)
