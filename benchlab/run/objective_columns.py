"""The per-row objective columns of a run: every objective its benchmark declares.

`<name>_observed` holds the value of the drawn repeat (NaN for objectives the benchmark does
not record); `valid` is already `valid_observed`. Runs without objectives or constraints get
the multi-objective columns empty (NaN hypervolume, every row feasible).
"""

from __future__ import annotations

import numpy as np

from benchlab.benchmarks.base import observed
from benchlab.benchmarks.objectives import CATALOGUE

#: objective name -> its row column
COLUMNS = {name: f"{name}_observed" for name in CATALOGUE if name != "valid"}


def objective_columns(benchmark, observations: list) -> dict:
    n = len(observations)
    out = {column: np.full(n, np.nan) for column in COLUMNS.values()}
    for objective in benchmark.objectives:
        if objective.name in COLUMNS:
            field = objective.field
            out[COLUMNS[objective.name]] = np.fromiter((observed(o, field) for o in observations), float, n)
    return out


def no_problem_columns(n: int) -> dict:
    return {
        "feasible": np.ones(n, dtype=bool),
        "hv_regret": np.full(n, np.nan),
        "test_hv_regret": np.full(n, np.nan),
        "archive_size": np.zeros(n, dtype=np.int64),
    }


def blank_columns(n: int) -> dict:
    """Every objective and multi-objective column of `n` rows of a single-objective run with no
    recorded objectives (for trajectories written by other tools)."""
    return {**{column: np.full(n, np.nan) for column in COLUMNS.values()}, **no_problem_columns(n)}
