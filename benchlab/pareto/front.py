"""Exact Pareto fronts of a benchmark's table, over every cell's repeat-mean.

Every cell of a tabular benchmark is known, so the true front of any 2 or 3 objectives is
computed exactly (moocore's non-dominated filter) once per table and cached beside the
table as `tables/fronts/<benchmark>-<checksum>-<objectives>.npz`. Cells with the same
objective vector as a front point are all kept (weak non-domination), so `rows` lists every
architecture that attains the front. Cells missing a value (NaN) take no part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import moocore
import numpy as np

from benchlab.errors import ConfigError
from benchlab.paths import data_dir


@dataclass(frozen=True)
class ParetoFront:
    objectives: tuple[str, ...]
    senses: np.ndarray  # (k,) +1 minimised, -1 maximised: losses = senses * values
    rows: np.ndarray  # table rows of the cells on the front
    points: np.ndarray  # (m, k) their objective values (natural units, repeat-means)
    best: np.ndarray  # (k,) best value of each objective over the table
    worst: np.ndarray  # (k,) worst value of each objective over the table

    @property
    def losses(self) -> np.ndarray:
        return self.points * self.senses


def nondominated(losses: np.ndarray) -> np.ndarray:
    """Mask of the rows of a (n, k) loss matrix that no other row dominates (minimisation)."""
    losses = np.asarray(losses, dtype=float)
    if len(losses) == 0:
        return np.zeros(0, dtype=bool)
    if losses.shape[1] == 1:
        return losses[:, 0] == losses[:, 0].min()
    return np.asarray(moocore.is_nondominated(losses, keep_weakly=True), dtype=bool)


def senses_of(bench, names) -> np.ndarray:
    senses = []
    for name in names:
        objective = bench.objective(name)
        if objective.direction is None:
            raise ConfigError(
                f"{bench.name}: objective {name!r} has no direction ({objective.description}); it can be "
                "constrained but not optimised; name objectives with a direction"
            )
        senses.append(objective.sense)
    return np.asarray(senses)


def compute_front(bench, names: tuple[str, ...], feasible: np.ndarray | None = None) -> ParetoFront:
    """The front of `names` over the cells of `bench` (only the `feasible` ones when given)."""
    senses = senses_of(bench, names)
    values = bench.objective_means(names)
    usable = ~np.isnan(values).any(axis=1)
    if feasible is not None:
        usable &= feasible
    candidates = np.flatnonzero(usable)
    losses = values[candidates] * senses
    rows = candidates[nondominated(losses)] if len(candidates) else candidates
    finite = values[~np.isnan(values).any(axis=1)]
    best_loss, worst_loss = (finite * senses).min(axis=0), (finite * senses).max(axis=0)
    return ParetoFront(tuple(names), senses, rows, values[rows], best_loss * senses, worst_loss * senses)


def front_of(bench, names: tuple[str, ...]) -> ParetoFront:
    """`compute_front` of the whole table, cached in memory on the benchmark and on disk."""
    memo = bench.__dict__.setdefault("_pareto_fronts", {})
    if names in memo:
        return memo[names]
    senses = senses_of(bench, names)
    path = _cache_path(bench, names)
    front = _load(path, bench, names, senses) if path is not None else None
    if front is None:
        front = compute_front(bench, names)
        if path is not None:
            _save(path, front)
    memo[names] = front
    return front


def _cache_path(bench, names) -> Path | None:
    checksum = bench.data_checksum()
    if not checksum:
        return None  # a benchmark without a data digest: its front cannot be matched to its table
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", bench.name)
    return Path(data_dir()) / "tables" / "fronts" / f"{stem}-{checksum[:16]}-{'-'.join(names)}.npz"


def _load(path: Path, bench, names, senses) -> ParetoFront | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            rows, best, worst = data["rows"], data["best"], data["worst"]
    except (OSError, ValueError, KeyError):
        return None  # absent or damaged: recomputed
    return ParetoFront(tuple(names), senses, rows, bench.objective_means(names)[rows], best, worst)


def _save(path: Path, front: ParetoFront) -> None:
    from benchlab.io.atomic import AtomicTarget

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with AtomicTarget(path) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, rows=front.rows, best=front.best, worst=front.worst)
    except OSError:
        pass  # a read-only data folder: the front is recomputed next time (milliseconds to a second)
