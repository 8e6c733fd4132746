"""Upper limits of an experiment, so that a typo (`--seeds 10000000`) is an error, not a hang.

Each limit is far above what a real comparison needs (docs/harness.md lists them); asking
for more ends in one `LimitError` line before anything is written.
"""

from __future__ import annotations

import math

from benchlab.errors import LimitError

MAX_SEEDS = 10_000
MAX_BUDGET_QUERIES = 1_000_000
MAX_WORKERS = 1_024
MAX_RUNS = 100_000  # benchmarks x strategies x seeds
MAX_RUN_TIMEOUT = 7 * 24 * 3600.0  # seconds


def check_at_most(value: int, limit: int, what: str, where: str) -> None:
    if value > limit:
        raise LimitError(f"{where}: {what} is {value:,}, above the limit of {limit:,}; use at most {limit:,}")


def check_grid(n_benchmarks: int, n_strategies: int, n_seeds: int, where: str) -> None:
    runs = n_benchmarks * n_strategies * n_seeds
    if runs > MAX_RUNS:
        raise LimitError(f"{where}: {n_benchmarks} benchmarks x {n_strategies} strategies x {n_seeds:,} seeds = "
                         f"{runs:,} runs, above the limit of {MAX_RUNS:,}; split the experiment or use fewer seeds")


def run_timeout(value, where: str) -> float | None:
    """A per-run wall-clock limit in seconds (None: no limit)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise LimitError(f"{where}: run_timeout must be a positive number of wall-clock seconds, got {value!r}")
    if value > MAX_RUN_TIMEOUT:
        raise LimitError(f"{where}: run_timeout {value:g} s is above the limit of {MAX_RUN_TIMEOUT:g} s (a week)")
    return float(value)
