"""One run of the grid as a self-contained, picklable task, and its execution.

A task carries everything a worker process (local or on a Dask cluster) needs; executing
it opens the benchmark (cached per process), builds the strategy with its own stream,
simulates, and returns the run's Parquet file as bytes. The parent process writes files,
so workers need no shared filesystem and every file is written by one process, atomically.

A run that records no evaluation, exceeds its wall-clock limit or raises is a failed run
whose one-line error says why (see `benchlab.harness.failures`).
"""

from __future__ import annotations

import hashlib
import json
import time
import traceback
from dataclasses import asdict, dataclass, field
from functools import cached_property

from benchlab import __version__
from benchlab.harness import failures
from benchlab.harness.benchmarks import open_benchmark
from benchlab.harness.integrity import METADATA_KEY, seal  # noqa: F401 (METADATA_KEY re-exported)
from benchlab.harness.seeding import run_generators
from benchlab.run.simulator import Budget, simulate

#: bump when a change to the simulator changes results, so that old run files are redone
RESULTS_FORMAT = 2
#: task fields that bound how a run is executed but never change a finished run's result
_NOT_HASHED = ("run_timeout",)


@dataclass(frozen=True)
class RunTask:
    benchmark: str
    strategy: str  # label in the experiment
    target: str  # module:Class
    params: dict
    seed: int  # repeat index
    experiment_seed: int
    budget_queries: int | None
    budget_time: float | None
    workers: int
    requery: str
    charge_strategy_time: bool
    benchmark_checksum: str
    observation: str = "sample"
    signal_fidelity: int | None = None
    run_timeout: float | None = None  # wall-clock seconds before the run is stopped and recorded as failed
    source_benchmark: str = ""  # the benchmark to open when `benchmark` is a problem label
    # the constructor defaults `params` leaves alone (StrategySpec.hashed_defaults): hashed, so
    # that a run made before a strategy's defaults changed is made again, not reused
    defaults: dict = field(default_factory=dict)
    objectives: tuple = ()  # the experiment's objectives (empty: single-objective)
    constraints: tuple = ()  # (name, op, bound) triples

    @property
    def benchmark_name(self) -> str:
        return self.source_benchmark or self.benchmark

    @cached_property
    def settings_hash(self) -> str:
        """Digest of everything that determines the run's result (not where it is stored)."""
        fields = {k: v for k, v in asdict(self).items() if k not in _NOT_HASHED}
        for name in ("source_benchmark", "objectives", "constraints", "defaults"):
            if not fields[name]:
                del fields[name]  # absent when unused, so single-objective runs keep their identity
        payload = json.dumps({"format": RESULTS_FORMAT, **fields}, sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()[:32]

    @property
    def run_id(self) -> str:
        return f"{self.benchmark} | {self.strategy} | seed {self.seed}"


@dataclass
class RunOutcome:
    task: RunTask
    ok: bool
    parquet: bytes = b""
    error: str = ""  # one-line summary of the exception
    traceback: str = ""
    final: dict | None = None
    wall_s: float = 0.0


def execute(task: RunTask) -> RunOutcome:
    """Run one task; a strategy (or benchmark) that raises gives a failed outcome, not an exception."""
    from algorithms import load_strategy

    start = time.perf_counter()
    stage = "opening the benchmark"
    try:
        bench = open_benchmark(task.benchmark_name)
        problem = None
        if task.objectives or task.constraints:
            from benchlab.harness.problems import problem_for

            problem = problem_for(task.benchmark_name, tuple(task.objectives), tuple(map(tuple, task.constraints)))
        strategy_rng, benchmark_rng = run_generators(task.experiment_seed, task.benchmark, task.strategy, task.seed)
        stage = "building the strategy"
        strategy = load_strategy(task.target)(bench.space, strategy_rng, **task.params)
        stage = "searching"
        with failures.time_limit(task.run_timeout) as limited:
            result = simulate(
                bench,
                limited(strategy),
                Budget(queries=task.budget_queries, time=task.budget_time),
                benchmark_rng,
                workers=task.workers,
                requery=task.requery,
                charge_strategy_time=task.charge_strategy_time,
                benchmark_name=task.benchmark,
                strategy_label=task.strategy,
                seed=task.seed,
                observation=task.observation,
                fidelity=task.signal_fidelity,
                problem=problem,
            )
        if len(result) == 0:
            return RunOutcome(task, False, error=failures.no_evaluation(result, bench, task.budget_time),
                              wall_s=time.perf_counter() - start)
        metadata = {
            "benchmark": task.benchmark,
            "strategy": task.strategy,
            "seed": task.seed,
            "settings_hash": task.settings_hash,
            "status": "complete",
            "strategy_class": task.target,
            "params": task.params,
            "stop_reason": result.stop_reason,
            "asked": result.asked,
            "dropped": result.dropped,
            # e.g. invalid decision vectors an adapter told its library as failures
            "strategy_counts": strategy.counts() if callable(getattr(strategy, "counts", None)) else {},
            "sim_time": result.sim_time,
            "wall_s": result.wall_s,
            "benchlab_version": __version__,
            **result.extra,
        }
        data = seal(result.to_arrow(), metadata)
        return RunOutcome(task, True, parquet=data, final=result.final(), wall_s=time.perf_counter() - start)
    except Exception as exc:  # recorded per run; the experiment goes on
        return RunOutcome(
            task,
            False,
            error=failures.one_line(exc, stage),
            traceback=traceback.format_exc(),
            wall_s=time.perf_counter() - start,
        )
