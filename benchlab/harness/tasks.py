"""One run of the grid as a self-contained, picklable task, and its execution.

A task carries everything a worker process (local or on a Dask cluster) needs; executing
it opens the benchmark (cached per process), builds the strategy with its own stream,
simulates, and returns the run's Parquet file as bytes. The parent process writes files,
so workers need no shared filesystem and every file is written by one process, atomically.
"""

from __future__ import annotations

import hashlib
import json
import time
import traceback
from dataclasses import asdict, dataclass
from functools import cached_property

import pyarrow as pa
import pyarrow.parquet as pq

from benchlab import __version__
from benchlab.harness.benchmarks import open_benchmark
from benchlab.harness.seeding import run_generators
from benchlab.run.simulator import Budget, simulate

#: bump when a change to the simulator changes results, so that old run files are redone
RESULTS_FORMAT = 1
METADATA_KEY = b"benchlab"


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
    source_benchmark: str = ""  # the benchmark to open when `benchmark` is a problem label
    objectives: tuple = ()  # the experiment's objectives (empty: single-objective)
    constraints: tuple = ()  # (name, op, bound) triples

    @property
    def benchmark_name(self) -> str:
        return self.source_benchmark or self.benchmark

    @cached_property
    def settings_hash(self) -> str:
        """Digest of everything that determines the run's result (not where it is stored)."""
        fields = asdict(self)
        for name in ("source_benchmark", "objectives", "constraints"):
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
    try:
        bench = open_benchmark(task.benchmark_name)
        problem = None
        if task.objectives or task.constraints:
            from benchlab.harness.problems import problem_for

            problem = problem_for(task.benchmark_name, tuple(task.objectives), tuple(map(tuple, task.constraints)))
        strategy_rng, benchmark_rng = run_generators(task.experiment_seed, task.benchmark, task.strategy, task.seed)
        strategy = load_strategy(task.target)(bench.space, strategy_rng, **task.params)
        result = simulate(
            bench,
            strategy,
            Budget(queries=task.budget_queries, time=task.budget_time),
            benchmark_rng,
            workers=task.workers,
            requery=task.requery,
            charge_strategy_time=task.charge_strategy_time,
            benchmark_name=task.benchmark,
            strategy_label=task.strategy,
            seed=task.seed,
            problem=problem,
        )
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
            "sim_time": result.sim_time,
            "wall_s": result.wall_s,
            "benchlab_version": __version__,
            **result.extra,
        }
        data = parquet_bytes(result.to_arrow(), metadata)
        return RunOutcome(task, True, parquet=data, final=result.final(), wall_s=time.perf_counter() - start)
    except Exception as exc:  # recorded per run; the experiment goes on
        return RunOutcome(
            task,
            False,
            error=f"{type(exc).__name__}: {exc}".splitlines()[0],
            traceback=traceback.format_exc(),
            wall_s=time.perf_counter() - start,
        )


def parquet_bytes(table: pa.Table, metadata: dict) -> bytes:
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), METADATA_KEY: json.dumps(metadata, default=str)})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()
