"""One simulated run: a strategy searching a benchmark on a simulated clock.

Rules (also in docs/harness.md):

* **Workers.** `workers` simulated workers run evaluations asynchronously. At time 0 every
  worker gets an `ask()` (in worker order); afterwards the worker whose evaluation finishes
  earliest (ties first-in-first-out) delivers its result with `tell()` and immediately gets
  the next `ask()`. With one worker this is the plain sequential ask/tell loop.
* **Evaluation.** The benchmark is queried when the evaluation starts (the drawn repeat
  decides its cost); the result arrives at `sim_end = sim_start + cost`.
* **Query budget** `queries=Q`: at most Q evaluations are started, hence at most Q rows.
* **Time budget** `time=T` (simulated seconds): a worker that is free at or after T is
  not asked again, and an evaluation that would finish after T is never counted: it is
  not told to the strategy and not recorded (it was in flight when the budget ran out;
  its count is kept in the run's `dropped` metadata). An evaluation finishing exactly at
  T is counted.
* With both budgets the run stops at whichever is reached first. Rows are in order of
  finishing time; `step` numbers them from 0.
* **Re-queries.** `requery="charge"` (default, the official NAS-Bench semantics): a cell
  evaluated again draws a fresh recorded repeat and pays its cost. `requery="cache"`:
  the same (architecture key, fidelity) returns the first result again at no cost; if
  that first evaluation is still in flight, the copy arrives when it does (never earlier).
* **Observation.** `observation="sample"` (default): a query returns one recorded repeat
  drawn with `rng`; `"mean"`: the mean over the recorded repeats; `"repeat:K"`: repeat K
  (benchlab/run/observation.py). `fidelity` (default: the full budget) is where plain
  proposals (no `Proposal` fidelity) are evaluated, for protocols with a shorter signal.
* **Budget.** Before the first `ask()` the strategy's `set_budget(queries, time)` (if it
  has one) is told the run's budget, for schedules stated in shares of it.
* **Strategy time.** With `charge_strategy_time=True` the wall-clock seconds spent in
  `ask()` delay the start of the evaluation it proposed, and those spent in `tell()` delay
  the worker's next `ask()`. Off by default, because wall time makes runs irreproducible.
* **Charged strategy work.** A strategy with a `take_charged_seconds()` method (the
  zero-cost warm-up's proxy scoring) has the seconds it returns after an `ask()` added to
  the start of that evaluation, whatever `charge_strategy_time` says.
* **Incumbent** at a row's `sim_end`: the evaluation with the highest *observed*
  validation score among those finished by then (earliest wins ties), whatever fidelity
  it was evaluated at. Its mean validation / test scores are the benchmark's exact means
  over repeats at the FULL fidelity; regrets are measured against the benchmark's optimum.
  Only this module reads test scores; strategies get `Feedback(valid, cost, fidelity)`.
* **Objectives and constraints** (a `Problem`, benchlab/pareto/problem.py): strategies also
  get the experiment's objectives as losses and the observed constraint violation; the
  incumbent is the best *feasible* evaluation (observed values), its regret is measured
  against the best feasible cell, and a run with no feasible incumbent yet counts as having
  found nothing (the regret of the worst feasible cell). Each row records every objective
  the benchmark declares, and the run's non-dominated archive grows row by row, so the
  hypervolume regret of a row uses only evaluations finished by then.

The loop appends to plain lists and computes incumbent columns once at the end, so the
overhead per evaluation beyond the query and the strategy stays at a few microseconds.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from algorithms.base import Feedback, Proposal, SpaceExhaustedError
from benchlab.benchmarks.base import Benchmark
from benchlab.errors import ConfigError, DataError
from benchlab.run import observation as observations
from benchlab.run.clock import EventQueue, SimClock
from benchlab.run.objective_columns import no_problem_columns, objective_columns
from benchlab.run.schema import SCHEMA

REQUERY_POLICIES = ("charge", "cache")


@dataclass(frozen=True)
class Budget:
    """When a run stops: after `queries` evaluations and/or `time` simulated seconds."""

    queries: int | None = None
    time: float | None = None

    def __post_init__(self) -> None:
        if self.queries is None and self.time is None:
            raise ConfigError("a budget needs `queries` and/or `time`; set at least one (e.g. queries = 150)")
        if self.queries is not None and (isinstance(self.queries, bool) or not isinstance(self.queries, int)):
            raise ConfigError(f"budget queries must be a whole number, got {self.queries!r}")
        if self.queries is not None and self.queries <= 0:
            raise ConfigError(f"budget queries must be positive, got {self.queries}")
        if self.time is not None:
            if isinstance(self.time, bool) or not isinstance(self.time, (int, float)):
                raise ConfigError(f"budget time must be a number of simulated seconds, got {self.time!r}")
            if not self.time > 0 or math.isinf(self.time):
                raise ConfigError(f"budget time must be a positive finite number of seconds, got {self.time}")

    def as_dict(self) -> dict:
        return {"queries": self.queries, "time": self.time}


@dataclass
class RunResult:
    """The trajectory of one run as columns (see benchlab/run/schema.py) plus run facts."""

    columns: dict[str, object]
    stop_reason: str  # "queries", "time" or "exhausted" (the strategy stopped proposing)
    asked: int  # evaluations started
    dropped: int  # evaluations in flight past the time budget (not recorded)
    sim_time: float  # simulated time of the last recorded result
    wall_s: float
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.columns["step"])

    def to_arrow(self) -> pa.Table:
        return pa.table({name: pa.array(self.columns[name], type=SCHEMA.field(name).type) for name in SCHEMA.names},
                        schema=SCHEMA)

    def final(self) -> dict:
        """The last row's incumbent figures (NaN when nothing was recorded)."""
        if len(self) == 0:
            return {"valid_regret": math.nan, "test_regret": math.nan, "incumbent_key": None}
        c = self.columns
        return {"valid_regret": float(c["valid_regret"][-1]), "test_regret": float(c["test_regret"][-1]),
                "incumbent_key": c["incumbent_key"][-1]}


def simulate(
    benchmark: Benchmark,
    strategy,
    budget: Budget,
    rng: np.random.Generator,
    *,
    workers: int = 1,
    requery: str = "charge",
    charge_strategy_time: bool = False,
    benchmark_name: str | None = None,
    strategy_label: str = "",
    seed: int = 0,
    observation: str = observations.DEFAULT,
    fidelity=None,
    problem=None,
) -> RunResult:
    """Run `strategy` on `benchmark` until `budget` is spent; `rng` draws the recorded repeats."""
    if workers < 1:
        raise ConfigError(f"workers must be at least 1, got {workers}")
    if requery not in REQUERY_POLICIES:
        raise ConfigError(f"requery must be one of {', '.join(REQUERY_POLICIES)}, got {requery!r}")
    if requery == "cache" and budget.queries is None:
        raise ConfigError("requery = 'cache' makes repeats free, so a time budget alone may never end; add a query budget")

    wall_start = time.perf_counter()
    max_queries = budget.queries if budget.queries is not None else math.inf
    max_time = budget.time if budget.time is not None else math.inf
    cache = {} if requery == "cache" else None
    full_fidelity = benchmark.max_fidelity
    signal_fidelity = None if fidelity is None else benchmark.check_fidelity(fidelity)
    key_of = benchmark.space.key
    query = observations.query_function(benchmark, observations.parse(observation))
    ask = strategy.ask
    tell = strategy.tell
    take_charge = getattr(strategy, "take_charged_seconds", None)
    perf = time.perf_counter
    events = EventQueue()
    push, pop = events.push, events.pop
    clock = SimClock()

    # Columns filled per evaluation; incumbent columns are derived at the end.
    worker_col: list[int] = []
    start_col: list[float] = []
    end_col: list[float] = []
    key_col: list[str] = []
    fidelity_col: list = []
    valid_col: list[float] = []
    cost_col: list[float] = []
    wall_col: list[float] = []
    incumbent_col: list[int] = []  # row index of the incumbent, -1 before the first one
    obs_col: list = []  # the Observation of each row, for the objective columns
    feedback_of = problem.feedback if problem is not None else None

    asked = dropped = 0
    exhausted = False

    def dispatch(worker: int, free_at: float) -> None:
        nonlocal asked, dropped, exhausted
        t0 = perf()
        try:
            proposal = ask()
        except SpaceExhaustedError:  # a deduplicating strategy has seen every architecture
            proposal = None
        ask_s = perf() - t0
        if proposal is None:  # a strategy may also return None: nothing left to propose
            exhausted = True
            return
        asked += 1
        start = free_at + ask_s if charge_strategy_time else free_at
        if take_charge is not None:
            start += take_charge()
        if type(proposal) is Proposal:
            arch, fidelity = proposal.arch, proposal.fidelity
        else:
            arch, fidelity = proposal, signal_fidelity
        if cache is not None:
            cache_key = (key_of(arch), full_fidelity if fidelity is None else fidelity)
            hit = cache.get(cache_key)
            if hit is not None:
                key, valid, obs_fidelity, first_end, obs, extra = hit
                end = first_end if first_end > start else start
                push(end, (worker, start, arch, key, valid, 0.0, obs_fidelity, ask_s, obs, extra))
                return
        obs = query(arch, rng, fidelity)
        end = start + obs.cost
        if not end <= max_time:
            if end != end:
                raise DataError(f"{benchmark.name}: architecture {obs.key} has no recorded cost (NaN); the table is damaged")
            dropped += 1  # would finish after the time budget: never told, never recorded
            return
        extra = feedback_of(obs) if feedback_of is not None else None
        if cache is not None:
            cache[cache_key] = (obs.key, obs.valid, obs.fidelity, end, obs, extra)
        push(end, (worker, start, arch, obs.key, obs.valid, obs.cost, obs.fidelity, ask_s, obs, extra))

    set_budget = getattr(strategy, "set_budget", None)  # optional for strategies outside algorithms.base
    if set_budget is not None:
        set_budget(budget.queries, budget.time)
    for worker in range(workers):
        if asked >= max_queries or exhausted:
            break
        dispatch(worker, clock.now)

    best = -math.inf
    best_row = -1
    row = 0
    while events:
        end, (worker, start, arch, key, valid, cost, fidelity, ask_s, obs, extra) = pop()
        clock.advance_to(end)
        t0 = perf()
        if extra is None:
            tell(arch, Feedback(valid, cost, fidelity))
        else:
            tell(arch, Feedback(valid, cost, fidelity, *extra))
        tell_s = perf() - t0
        # NaN never wins; ties keep the earlier incumbent; with constraints only feasible ones count
        if valid > best and (extra is None or extra[1] == 0.0):
            best, best_row = valid, row
        worker_col.append(worker)
        start_col.append(start)
        end_col.append(end)
        key_col.append(key)
        fidelity_col.append(fidelity)
        valid_col.append(valid)
        cost_col.append(cost)
        wall_col.append(ask_s + tell_s)
        incumbent_col.append(best_row)
        obs_col.append(obs)
        row += 1
        free_at = end + tell_s if charge_strategy_time else end
        if asked < max_queries and free_at < max_time and not exhausted:
            dispatch(worker, free_at)

    if exhausted:
        stop_reason = "exhausted"
    elif asked >= max_queries:
        stop_reason = "queries"
    else:
        stop_reason = "time"

    n = row
    columns = {
        "benchmark": [benchmark_name or benchmark.name] * n,
        "strategy": [strategy_label] * n,
        "seed": np.full(n, seed, dtype=np.int64),
        "step": np.arange(n, dtype=np.int64),
        "worker": np.asarray(worker_col, dtype=np.int64),
        "sim_start": np.asarray(start_col, dtype=np.float64),
        "sim_end": np.asarray(end_col, dtype=np.float64),
        "arch_key": key_col,
        "fidelity": fidelity_col,
        "valid_observed": np.asarray(valid_col, dtype=np.float64),
        "cost": np.asarray(cost_col, dtype=np.float64),
        "strategy_wall_s": np.asarray(wall_col, dtype=np.float64),
    }
    columns.update(_incumbent_columns(benchmark, np.asarray(incumbent_col, dtype=np.int64), key_col, full_fidelity,
                                      problem))
    columns.update(objective_columns(benchmark, obs_col))
    extra_facts: dict = {}
    if problem is not None:
        anytime, extra_facts = problem.anytime(key_col)
        columns.update(anytime)
    else:
        columns.update(no_problem_columns(n))
    return RunResult(
        columns=columns,
        stop_reason=stop_reason,
        asked=asked,
        dropped=dropped,
        sim_time=clock.now,
        wall_s=time.perf_counter() - wall_start,
        extra=extra_facts,
    )


def _incumbent_columns(benchmark: Benchmark, incumbent_rows: np.ndarray, keys: list[str], full_fidelity,
                       problem=None) -> dict:
    """Incumbent key, its full-fidelity means and the regrets, for every row at once.

    With constraints the regrets are against the best feasible cell, and rows without a
    feasible incumbent count as having found nothing (the regret of the worst feasible cell)."""
    n = len(incumbent_rows)
    valid_mean = np.full(n, np.nan)
    test_mean = np.full(n, np.nan)
    incumbent_keys: list[str | None] = [None] * n
    if n:
        changes = np.flatnonzero(np.diff(incumbent_rows, prepend=-2))  # rows where the incumbent changes
        bounds = np.append(changes, n)
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            source = int(incumbent_rows[lo])
            if source < 0:
                continue
            key = keys[source]
            means = benchmark.means_by_key(key, full_fidelity)
            valid_mean[lo:hi] = means.valid
            test_mean[lo:hi] = means.test
            incumbent_keys[lo:hi] = [key] * (hi - lo)
    if problem is not None and problem.constraints:
        nothing = incumbent_rows < 0
        valid_regret = np.where(nothing, problem.nothing_valid, problem.optimum_valid - valid_mean)
        test_regret = np.where(nothing, problem.nothing_test, problem.optimum_test - test_mean)
    else:
        optimum = benchmark.optimum
        valid_regret, test_regret = optimum.valid - valid_mean, optimum.test - test_mean
    return {
        "incumbent_key": incumbent_keys,
        "incumbent_valid_mean": valid_mean,
        "incumbent_test_mean": test_mean,
        "valid_regret": valid_regret,
        "test_regret": test_regret,
    }
