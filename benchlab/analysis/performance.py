"""What the report shows, as tables and arrays computed from a loaded experiment.

Plots draw these arrays; the report writes these tables. The budget axis is the number of
queries when the experiment has a query budget (or no time budget), else simulated time.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from benchlab.analysis import curves, ranks, stats
from benchlab.analysis.load import Experiment

FRACTIONS = (0.1, 0.25, 0.5, 1.0)
#: ERT targets as fractions of each benchmark's regret scale (its worst recorded regret, as in
#: the normalised curves), so that a target means the same on accuracy and on MSE benchmarks;
#: 0 stands for reaching the optimum (regret <= SUCCESS_EPSILON)
ERT_TARGET_FRACTIONS = (0.1, 0.01, 0.0)


def budget_axis(experiment: Experiment) -> str:
    """"queries" or "seconds": the axis fractions of the budget are taken on."""
    if experiment.query_budget or not experiment.time_budget:
        return "queries"
    return "seconds"


def budget_points(experiment: Experiment, benchmark: str, fractions=FRACTIONS) -> list[float]:
    """The budget at each fraction, on the budget axis (whole queries, rounded up)."""
    if budget_axis(experiment) == "queries":
        total = experiment.query_budget or max(r.n_queries for g in _groups(experiment, benchmark) for r in g)
        return [max(1, math.ceil(f * total - 1e-9)) for f in fractions]
    return [f * experiment.time_budget for f in fractions]


def regrets_at(experiment: Experiment, benchmark: str, point: float) -> dict[str, np.ndarray]:
    """Each strategy's per-seed regret after `point` queries or seconds (NaN where none yet)."""
    axis = budget_axis(experiment)
    grid = np.array([point], dtype=float)
    out = {}
    for strategy in experiment.strategies:
        runs = experiment.runs[(benchmark, strategy)]
        values = curves.regret_on_queries(runs, grid) if axis == "queries" else curves.regret_on_time(runs, grid)
        out[strategy] = values[:, 0]
    return out


def final_regrets(experiment: Experiment, benchmark: str) -> dict[str, np.ndarray]:
    """Each strategy's per-seed regret at the end of its run."""
    return {
        s: np.array([r.regret[-1] for r in experiment.runs[(benchmark, s)]]) for s in experiment.strategies
    }


def _groups(experiment: Experiment, benchmark: str):
    return [experiment.runs[(benchmark, s)] for s in experiment.strategies]


def final_table(experiment: Experiment, fractions=FRACTIONS, *, seed: int = 0) -> pd.DataFrame:
    """Summary statistics of regret per benchmark, strategy and fraction of the budget."""
    axis = budget_axis(experiment)
    rows = []
    for benchmark in experiment.benchmarks:
        for fraction, point in zip(fractions, budget_points(experiment, benchmark, fractions)):
            by_strategy = (
                final_regrets(experiment, benchmark) if fraction == 1.0 else regrets_at(experiment, benchmark, point)
            )
            for strategy, values in by_strategy.items():
                values = values[np.isfinite(values)]
                rng = stats.rng_for(seed, benchmark, strategy, fraction)
                summary = stats.summarise(values, rng=rng) if values.size else {"n": 0}
                rows.append({
                    "benchmark": benchmark,
                    "strategy": strategy,
                    "fraction": fraction,
                    f"at_{axis}": point,
                    "regret": experiment.regret_column[benchmark],
                    **summary,
                })
    return pd.DataFrame(rows)


def ert_targets(experiment: Experiment, benchmark: str) -> list[tuple[str, float]]:
    """(label, absolute regret) of the default ERT targets of one benchmark."""
    scale = normalisation_scale(experiment, benchmark)
    return [
        (f"{fraction:g} x worst regret", fraction * scale) if fraction else ("optimum", stats.SUCCESS_EPSILON)
        for fraction in ERT_TARGET_FRACTIONS
    ]


def ert_table(experiment: Experiment, targets=None) -> pd.DataFrame:
    """COCO ERT to each regret target, in queries and in simulated seconds.

    `targets`: absolute regrets for every benchmark; by default `ert_targets` of each benchmark.
    """
    rows = []
    for benchmark in experiment.benchmarks:
        labelled = ert_targets(experiment, benchmark) if targets is None else [(f"{t:g}", t) for t in targets]
        for strategy in experiment.strategies:
            runs = experiment.runs[(benchmark, strategy)]
            for label, target in labelled:
                hits = [stats.first_hit(r.regret, target) for r in runs]
                hit = np.array([h is not None for h in hits])
                queries_until = [h + 1 if h is not None else r.n_queries for h, r in zip(hits, runs)]
                seconds_until = [r.sim_end[h] if h is not None else r.sim_end[-1] for h, r in zip(hits, runs)]
                rows.append({
                    "benchmark": benchmark,
                    "strategy": strategy,
                    "target": label,
                    "target_regret": target,
                    "successes": int(hit.sum()),
                    "runs": len(runs),
                    "ert_queries": stats.ert(queries_until, [r.n_queries for r in runs], hit),
                    "ert_seconds": stats.ert(seconds_until, [r.sim_end[-1] for r in runs], hit),
                })
    return pd.DataFrame(rows)


def pairwise_table(experiment: Experiment, *, alpha: float = 0.05) -> pd.DataFrame:
    """All pairs per benchmark on final regret: Mann-Whitney U, Holm over that benchmark's pairs, A12."""
    rows = []
    for benchmark in experiment.benchmarks:
        for c in stats.compare_pairs(final_regrets(experiment, benchmark), alpha=alpha):
            rows.append({
                "benchmark": benchmark,
                "a": c.a,
                "b": c.b,
                "p_value": c.p_value,
                "p_holm": c.p_holm,
                "prob_a_beats_b": c.prob_a_beats_b,
                "effect": c.magnitude,
                "verdict": c.verdict,
            })
    return pd.DataFrame(rows, columns=["benchmark", "a", "b", "p_value", "p_holm", "prob_a_beats_b", "effect", "verdict"])


def median_final_table(experiment: Experiment) -> pd.DataFrame:
    """(benchmarks x strategies) median final regret: the blocks of the Friedman test."""
    return pd.DataFrame(
        {s: [float(np.median(final_regrets(experiment, b)[s])) for b in experiment.benchmarks] for s in experiment.strategies},
        index=list(experiment.benchmarks),
    )


def query_curves(experiment: Experiment) -> tuple[np.ndarray, dict[tuple[str, str], np.ndarray]]:
    """The shared query grid and (seeds x grid) regret per (benchmark, strategy)."""
    grid = curves.query_grid(experiment)
    return grid, {key: curves.regret_on_queries(runs, grid) for key, runs in experiment.runs.items()}


def time_curves(experiment: Experiment, benchmark: str, points: int = 80):
    """A benchmark's log-spaced time grid and (seeds x grid) regret per strategy."""
    grid = curves.time_grid(experiment, benchmark, points)
    return grid, {s: curves.regret_on_time(experiment.runs[(benchmark, s)], grid) for s in experiment.strategies}


def average_rank_over_queries(experiment: Experiment, grid, by_key) -> np.ndarray:
    """(strategies, grid) average rank of median regret over benchmarks after each number of queries."""
    medians = np.stack([
        np.stack([np.median(by_key[(b, s)], axis=0) for s in experiment.strategies]) for b in experiment.benchmarks
    ])
    return ranks.average_rank(medians)


def average_rank_over_time(experiment: Experiment, points: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Fractions of each benchmark's time horizon and the (strategies, points) average rank there.

    Benchmarks run on different time scales, so time is taken as a fraction of each benchmark's
    horizon (its last result); the grid starts where every run of every benchmark has a result.
    """
    horizons = {}
    for b in experiment.benchmarks:
        grid = curves.time_grid(experiment, b, points=2)
        horizons[b] = (grid[0], grid[-1])
    start = max(first / last for first, last in horizons.values())
    fractions = np.geomspace(start, 1.0, points) if start < 1 else np.array([1.0])
    medians = np.stack([
        np.stack([
            np.median(curves.regret_on_time(experiment.runs[(b, s)], fractions * horizons[b][1]), axis=0)
            for s in experiment.strategies
        ])
        for b in experiment.benchmarks
    ])
    return fractions, ranks.average_rank(medians)


def normalisation_scale(experiment: Experiment, benchmark: str) -> float:
    """Largest regret any run of the benchmark recorded (its worst incumbent), so scores fall in [0, 1]."""
    worst = max(float(np.nanmax(r.regret)) for g in _groups(experiment, benchmark) for r in g)
    return worst if worst > 0 else 1.0


def normalised_iqm_over_queries(experiment: Experiment, grid, by_key, points: int = 40, n_resamples: int = 500, seed: int = 0):
    """Per strategy: (grid subset, IQM, low, high) of normalised regret with stratified-bootstrap bands."""
    idx = np.unique(np.geomspace(1, len(grid), min(points, len(grid))).round().astype(int) - 1)
    scales = {b: normalisation_scale(experiment, b) for b in experiment.benchmarks}
    out = {}
    for s in experiment.strategies:
        # tasks in name order and a stream per strategy name: the bands ignore the config's order
        tasks = [by_key[(b, s)][:, idx] / scales[b] for b in sorted(experiment.benchmarks)]
        out[s] = (grid[idx], *stats.stratified_bootstrap(tasks, stats.iqm, n_resamples=n_resamples,
                                                          rng=stats.rng_for(seed, s)))
    return out
