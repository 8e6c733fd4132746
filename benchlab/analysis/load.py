"""Reading an experiment folder: its manifest and every run's trajectory file.

The analysis never runs a search; it trusts only what the harness wrote. An incomplete or
damaged folder is reported as one `DataError` that names the missing or corrupt files, so
the user knows which runs to redo rather than getting a silently biased report. A run file
counts only when its checksum holds and it is the run the manifest names (benchmark,
strategy, seed and, where the manifest records them, the settings); names read from the
manifest are checked like those on the command line and never lead outside the folder.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from benchlab.errors import DataError
from benchlab.harness.integrity import DamagedRunFile, open_verified, results_digest
from benchlab.harness.limits import MAX_SEEDS
from benchlab.harness.storage import MANIFEST, run_file


# Only what the statistics need (and the reported regret column) is decoded; the checksums still
# cover every column.
_COLUMNS = ("step", "sim_end", "cost")

_MAX_NAMED = 5  # how many missing/corrupt files an error message lists by name


_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")  # as the experiment file's labels
# benchmark names (registry, prefixed or module:factory), optionally followed by one space and
# the label of a multi-objective problem on it ("nb201/cifar10 valid-vs-params")
_NAME = re.compile(r"^[A-Za-z0-9@][\w.:/@+=,-]*( [A-Za-z0-9][A-Za-z0-9._-]*)?$")
_LONGEST_NAME = 500


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
    results_sha256: str  # one checksum over every run's reproducible columns, in a fixed order
    file_checksums: dict[str, str] = field(default_factory=dict)  # relative path -> sha256 of its reproducible columns

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
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        reason = str(exc)[:200] if not isinstance(exc, RecursionError) else "nested too deeply"
        raise DataError(f"{path} is not valid JSON ({reason}); rerun `benchlab compare` to rewrite it") from None
    if not isinstance(manifest, dict):
        raise DataError(f"{path} is not a JSON object; rerun `benchlab compare` to rewrite it")
    for key in ("benchmarks", "strategies", "seeds"):
        if key not in manifest:
            raise DataError(f"{path} has no {key!r} entry; rerun `benchlab compare` to rewrite it")
    _check_names(manifest, path)
    return manifest


def _check_names(manifest: dict, path: Path) -> None:
    """The manifest's benchmark names and strategy labels, checked as the command line's are."""
    for key, pattern, what in (("benchmarks", _NAME, "benchmark name"), ("strategies", _LABEL, "strategy label")):
        table = manifest[key]
        if not isinstance(table, dict) or not all(isinstance(v, dict) or v is None for v in table.values()):
            raise DataError(f"{path}: {key!r} must be an object of {what}s to their details, not "
                            f"{type(table).__name__}; rerun `benchlab compare` to rewrite it")
        for name in table:
            if len(name) > _LONGEST_NAME or not pattern.match(name) or ".." in name.split("/"):
                shown = name if len(name) <= 60 else name[:60] + "..."
                raise DataError(f"{path}: {what} {shown!r} is not a plain name; rerun `benchlab compare` to "
                                "rewrite the manifest")
    for key in ("budget", "config", "versions"):
        if key in manifest and not isinstance(manifest[key], dict):
            raise DataError(f"{path}: {key!r} must be an object; rerun `benchlab compare` to rewrite it")


def _seed_list(seeds) -> tuple[int, ...]:
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        if seeds > MAX_SEEDS:
            raise DataError(f"manifest 'seeds' is {seeds:,}, above the limit of {MAX_SEEDS:,}; the manifest is damaged")
        return tuple(range(max(seeds, 0)))
    if isinstance(seeds, list) and len(seeds) <= MAX_SEEDS and all(
        isinstance(s, int) and not isinstance(s, bool) and 0 <= s < MAX_SEEDS for s in seeds
    ):
        return tuple(seeds)
    shown = repr(seeds) if len(repr(seeds)) <= 60 else repr(seeds)[:60] + "..."
    raise DataError(f"manifest 'seeds' must be a count or a list of integers from 0 to {MAX_SEEDS - 1}, not {shown}")


def _settings_of(manifest: dict, benchmark: str, strategy: str, seed: int) -> str | None:
    """The settings hash the manifest records for a run (None for manifests without them)."""
    try:
        value = manifest["run_settings"][benchmark][strategy][seed]
    except (KeyError, IndexError, TypeError):
        return None
    return value if isinstance(value, str) else None


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
    has_settings = isinstance(manifest.get("run_settings"), dict)

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
            failed = path.with_name(path.name.replace(".parquet", ".failed.json")).is_file()
            return ("failed" if failed else "missing"), None
        expected = {"benchmark": benchmark, "strategy": strategy, "seed": seed}
        if has_settings:
            expected["settings_hash"] = _settings_of(manifest, benchmark, strategy, seed)
        try:
            column = regret_column[benchmark]
            table, metadata = open_verified(path, expected, columns=[*_COLUMNS, column])
            return "ok", (_parse_run(table, metadata, benchmark, strategy, seed, column),
                          results_digest(metadata))
        except (DataError, DamagedRunFile) as exc:
            return "corrupt", str(exc)
        except OSError as exc:
            return "corrupt", f"unreadable ({exc.strerror or exc})"

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


def _parse_run(table: pa.Table, metadata: dict, benchmark: str, strategy: str, seed: int, column: str) -> Run:
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
        meta=metadata,
    )


def as_frame(experiment: Experiment) -> pd.DataFrame:
    """Every run's final regret as a tidy table (benchmark, strategy, seed, queries, time, regret)."""
    rows = [
        (r.benchmark, r.strategy, r.seed, r.n_queries, float(r.sim_end[-1]), float(r.regret[-1]))
        for group in experiment.runs.values()
        for r in group
    ]
    return pd.DataFrame(rows, columns=["benchmark", "strategy", "seed", "queries", "sim_time", "regret"])
