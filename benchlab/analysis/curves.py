"""Anytime-performance curves: each run's incumbent regret as a step function on a shared grid.

No interpolation: at time t (or after n queries) a run knows only the evaluations that had
finished by then, so its value is the regret recorded at the last finished evaluation. Before
its first result a run has no incumbent; its value there is NaN.
"""

from __future__ import annotations

import numpy as np

from benchlab.analysis.load import Experiment, Run


def step_values(event_times: np.ndarray, values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Value of the last event with time <= each grid point (NaN before the first event)."""
    index = np.searchsorted(np.asarray(event_times, dtype=float), np.asarray(grid, dtype=float), side="right") - 1
    out = np.full(len(grid), np.nan)
    known = index >= 0
    out[known] = np.asarray(values, dtype=float)[index[known]]
    return out


def query_grid(experiment: Experiment, benchmark: str | None = None) -> np.ndarray:
    """1..Q queries, Q = the query budget or else the longest run (of one benchmark, or of all)."""
    runs = _runs(experiment, benchmark)
    longest = max(r.n_queries for r in runs)
    budget = experiment.query_budget
    return np.arange(1, max(longest, budget or 0) + 1)


def time_grid(experiment: Experiment, benchmark: str, points: int = 80) -> np.ndarray:
    """Log-spaced simulated times from when every run has its first result to the last result of any run.

    Starting where every run has an incumbent keeps every band computed over all seeds.
    """
    runs = _runs(experiment, benchmark)
    start = max(float(r.sim_end[0]) for r in runs)
    end = max(float(r.sim_end[-1]) for r in runs)  # no run knows anything later
    start = max(start, 1e-9)
    if end <= start:
        return np.array([start])
    return np.geomspace(start, end, points)


def _runs(experiment: Experiment, benchmark: str | None) -> list[Run]:
    return [
        r
        for (b, _), group in experiment.runs.items()
        if benchmark is None or b == benchmark
        for r in group
    ]


def regret_on_queries(runs: list[Run], grid: np.ndarray) -> np.ndarray:
    """(runs, len(grid)) regret after n queries; a run that stopped earlier keeps its last value."""
    out = np.empty((len(runs), len(grid)))
    for i, run in enumerate(runs):
        out[i] = step_values(np.arange(1, run.n_queries + 1), run.regret, grid)
    return out


def regret_on_time(runs: list[Run], grid: np.ndarray) -> np.ndarray:
    """(runs, len(grid)) regret known at each simulated time."""
    out = np.empty((len(runs), len(grid)))
    for i, run in enumerate(runs):
        out[i] = step_values(run.sim_end, run.regret, grid)
    return out
