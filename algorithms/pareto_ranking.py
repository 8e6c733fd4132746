"""Ranking results by several objectives and constraints, shared by the multi-objective strategies.

Losses come from `Feedback.objectives` (lower is better); a single-objective experiment's
feedback has none, and then the negated validation score is the one loss, so every strategy
here also runs on a single-objective experiment. Constraints are handled feasible first
(Deb 2000): every feasible result ranks before every infeasible one, infeasible ones by
their violation.
"""

from __future__ import annotations

import moocore
import numpy as np

from algorithms.base import Feedback


def losses_of(feedback: Feedback) -> tuple:
    return feedback.objectives or (-feedback.valid,)


def selection_key(feedback: Feedback) -> tuple[float, float]:
    """Single-objective feasible-first key, larger is better: (-violation, validation score)."""
    return (-feedback.violation, feedback.valid)


def pareto_ranks(losses: np.ndarray) -> np.ndarray:
    """Non-dominated sorting (0 = not dominated) of a (n, k) loss matrix; NaN losses rank last."""
    losses = np.asarray(losses, dtype=float)
    if len(losses) == 0:
        return np.zeros(0, dtype=np.int64)
    losses = np.where(np.isnan(losses), np.inf, losses)
    if losses.shape[1] == 1:
        return np.unique(losses[:, 0], return_inverse=True)[1].astype(np.int64)
    return np.asarray(moocore.pareto_rank(losses), dtype=np.int64)


def feasible_first_ranks(losses: np.ndarray, violations: np.ndarray) -> np.ndarray:
    """Pareto ranks of the feasible results, then the infeasible ones ranked by violation."""
    violations = np.asarray(violations, dtype=float)
    ranks = np.empty(len(violations), dtype=np.int64)
    feasible = violations <= 0
    ranks[feasible] = pareto_ranks(np.asarray(losses)[feasible])
    if (~feasible).any():
        start = ranks[feasible].max() + 1 if feasible.any() else 0
        ranks[~feasible] = start + np.unique(violations[~feasible], return_inverse=True)[1]
    return ranks


def crowding_distance(losses: np.ndarray) -> np.ndarray:
    """NSGA-II's crowding distance within one front (Deb et al. 2002): the normalised size of
    the box around each point spanned by its neighbours, inf at each objective's extremes.
    Hand-written: moocore offers hypervolume contributions but no crowding distance."""
    losses = np.asarray(losses, dtype=float)
    n, k = losses.shape
    distance = np.zeros(n)
    if n <= 2:
        return np.full(n, np.inf)
    for j in range(k):
        order = np.argsort(losses[:, j], kind="stable")
        column = losses[order, j]
        span = column[-1] - column[0]
        distance[order[0]] = distance[order[-1]] = np.inf
        if span > 0:
            distance[order[1:-1]] += (column[2:] - column[:-2]) / span
    return distance
