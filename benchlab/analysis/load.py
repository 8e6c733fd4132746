"""Reading an experiment folder: its manifest and every run's trajectory file.

The analysis never runs a search; it trusts only what the harness wrote. An incomplete or
damaged folder is reported as one `DataError` that names the missing or corrupt files, so
the user knows which runs to redo rather than getting a silently biased report.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from benchlab.errors import DataError
from benchlab.harness.storage import MANIFEST, run_file


# Only what the statistics need (and the reported regret column); the others stay on disk.
_COLUMNS = ("step", "sim_end", "cost")

_MAX_NAMED = 5  # how many missing/corrupt files an error message lists by name


@dataclass(frozen=True)
class Run:
    """One seeded run: the trajectory columns needed for analysis, in evaluation order."""

    benchmark: str
    strategy: str
    seed: int
    sim_end: np.ndarray  # simulated time each evaluation finished (seconds), non-decreasing
    regret: np.ndarray  # the benchmark's reported regret of the incumbent after each evaluation
    cost: np.ndarray  # simulated seconds charged per evaluation
    #: run facts the harness recorded (multi-objective runs: the final archive, found_feasible)
    meta: dict = field(default_factory=dict)

    @property
    def n_queries(self) -> int:
        return len(self.regret)


@dataclass(frozen=True)
class Experiment:
    """A loaded experiment: manifest facts plus every run, grouped per benchmark and strategy."""

    path: Path
    manifest: dict
    benchmarks: tuple[str, ...]
    strategies: tuple[str, ...]
    seeds: tuple[int, ...]
    regret_column: dict[str, str]  # benchmark -> "test_regret" or "valid_regret"
    runs: dict[tuple[str, str], list[Run]]  # (benchmark, strategy) -> runs ordered by seed
    results_sha256: str  # one checksum over every run file, in a fixed order
    file_checksums: dict[str, str] = field(default_factory=dict)  # relative path -> sha256

    def benchmark_info(self, benchmark: str) -> dict:
        return dict(self.manifest.get("benchmarks", {}).get(benchmark, {}))

    @property
    def query_budget(self) -> int | None:
        value = _budget_value(self.manifest.get("budget", {}), "queries")
        return int(value) if value is not None else None

    @property
    def time_budget(self) -> float | None:
        return _budget_value(self.manifest.get("budget", {}), "time")


def _budget_value(budget, key: str) -> float | None:
    """The manifest's budget entry `key` (as `Budget.as_dict` writes it), None unless a positive number."""
    if not isinstance(budget, dict):
        return None
    value = budget.get(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0:
        return float(value)
    return None


def _read_manifest(experiment_dir: Path) -> dict:
    path = experiment_dir / MANIFEST
    if not experiment_dir.is_dir():
        raise DataError(f"experiment folder {experiment_dir} does not exist; pass the folder `benchlab compare` wrote")
    if not path.is_file():
        raise DataError(f"{path} is missing; pass a folder written by `benchlab compare` (it holds manifest.json and runs/)")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path} is not valid JSON ({exc}); rerun `benchlab compare` to rewrite it") from None
    for key in ("benchmarks", "strategies", "seeds"):
        if key not in manifest:
            raise DataError(f"{path} has no {key!r} entry; rerun `benchlab compare` to rewrite it")
    return manifest


def _seed_list(seeds) -> tuple[int, ...]:
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        return tuple(range(seeds))
    if isinstance(seeds, list) and all(isinstance(s, int) for s in seeds):
        return tuple(seeds)
    raise DataError(f"manifest 'seeds' must be a count or a list of integers, not {seeds!r}")


def _regret_column(info: dict) -> str:
    """Test regret where the benchmark has a test metric (what a paper reports), else validation regret;
    with objectives or constraints, the column the experiment's problem names (hypervolume regret)."""
    problem = info.get("problem")
    if isinstance(problem, dict) and problem.get("regret_column"):
        return str(problem["regret_column"])
    return "test_regret" if info.get("has_test_metric", True) else "valid_regret"


def _named(paths: list[str]) -> str:
    shown = ", ".join(paths[:_MAX_NAMED])
    more = len(paths) - _MAX_NAMED
    return shown + (f" and {more} more" if more > 0 else "")


def load_experiment(experiment_dir) -> Experiment:
    """Load the manifest and every run file of an experiment folder.

    Raises `DataError` naming every missing, failed or corrupt run file (up to a few, then a count).
    """
    root = Path(experiment_dir)
    manifest = _read_manifest(root)
    benchmarks = tuple(manifest["benchmarks"])
    strategies = tuple(manifest["strategies"])
    seeds = _seed_list(manifest["seeds"])
    if not benchmarks or not strategies or not seeds:
        raise DataError(f"{root / MANIFEST} lists no benchmarks, strategies or seeds; nothing to analyse")
    regret_column = {b: _regret_column(manifest["benchmarks"][b] or {}) for b in benchmarks}

    runs: dict[tuple[str, str], list[Run]] = {}
    missing: list[str] = []
    failed: list[str] = []
    corrupt: list[str] = []
    checksums: dict[str, str] = {}
    digest = hashlib.sha256()
    keys = [(b, s, seed) for b in benchmarks for s in strategies for seed in seeds]

    def load_one(key):
        benchmark, strategy, seed = key
        path = run_file(root, benchmark, strategy, seed)
        if not path.is_file():
            return ("failed" if path.with_suffix(".failed.json").is_file() else "missing"), None
        data = path.read_bytes()
        try:
            return "ok", (_parse_run(data, benchmark, strategy, seed, regret_column[benchmark]),
                          hashlib.sha256(data).hexdigest())
        except DataError as exc:
            return "corrupt", str(exc)

    # Threads: reading and decoding Parquet release the GIL, so small files load in parallel.
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        outcomes = list(pool.map(load_one, keys))
    for key, (kind, payload) in zip(keys, outcomes):
        rel = str(run_file(root, *key).relative_to(root))
        runs.setdefault(key[:2], [])
        if kind == "missing":
            missing.append(rel)
        elif kind == "failed":
            failed.append(rel)
        elif kind == "corrupt":
            corrupt.append(f"{rel} ({payload})")
        else:
            run, checksums[rel] = payload
            digest.update(rel.encode() + b"\0" + checksums[rel].encode())
            runs[key[:2]].append(run)

    problems = []
    if missing:
        problems.append(f"{len(missing)} run file(s) missing: {_named(missing)}")
    if failed:
        problems.append(f"{len(failed)} run(s) failed (see the .failed.json beside each): {_named(failed)}")
    if corrupt:
        problems.append(f"{len(corrupt)} run file(s) corrupt: {_named(corrupt)}")
    if problems:
        raise DataError(
            f"experiment {root} is incomplete: " + "; ".join(problems)
            + "; rerun `benchlab compare` with the same settings to redo them (finished runs are reused)"
        )
    return Experiment(
        path=root,
        manifest=manifest,
        benchmarks=benchmarks,
        strategies=strategies,
        seeds=seeds,
        regret_column=regret_column,
        runs=runs,
        results_sha256=digest.hexdigest(),
        file_checksums=checksums,
    )


def _parse_run(data: bytes, benchmark: str, strategy: str, seed: int, column: str) -> Run:
    try:
        # ParquetFile.read is several times faster than read_table's dataset machinery for small files
        parquet = pq.ParquetFile(pa.BufferReader(data))
        table = parquet.read(columns=[*_COLUMNS, column])
    except Exception as exc:  # pyarrow raises several types for damaged or foreign files
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"unreadable Parquet: {reason[:120]}") from None
    absent = [name for name in (*_COLUMNS, column) if name not in table.column_names]
    if absent:
        raise DataError(f"no column(s) {', '.join(absent)}; not a benchlab trajectory file")
    if table.num_rows == 0:
        raise DataError("no evaluations")
    columns = {name: table.column(name).to_numpy() for name in (*_COLUMNS, column)}
    order = np.argsort(columns["step"], kind="stable")
    regret = columns[column].astype(float)[order]
    sim_end = columns["sim_end"].astype(float)[order]
    if np.isnan(regret).all():
        raise DataError(f"{column} is NaN in every row")
    if np.any(np.diff(sim_end) < 0):
        raise DataError("sim_end decreases with step")
    return Run(
        benchmark=benchmark,
        strategy=strategy,
        seed=seed,
        sim_end=sim_end,
        regret=regret,
        cost=columns["cost"].astype(float)[order],
        meta=_run_meta(parquet),
    )


def _run_meta(parquet) -> dict:
    try:
        return json.loads((parquet.schema_arrow.metadata or {})[b"benchlab"])
    except (KeyError, ValueError, TypeError):
        return {}


def as_frame(experiment: Experiment) -> pd.DataFrame:
    """Every run's final regret as a tidy table (benchmark, strategy, seed, queries, time, regret)."""
    rows = [
        (r.benchmark, r.strategy, r.seed, r.n_queries, float(r.sim_end[-1]), float(r.regret[-1]))
        for group in experiment.runs.values()
        for r in group
    ]
    return pd.DataFrame(rows, columns=["benchmark", "strategy", "seed", "queries", "sim_time", "regret"])
