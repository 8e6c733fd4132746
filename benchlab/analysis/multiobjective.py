"""What the report adds for experiments with objectives or constraints.

It reads what the harness recorded: the manifest's problem per benchmark (objectives,
directions, normalisation bounds, reference point, true front) and each run's final archive
and feasibility facts from its file's metadata. Indicators come from benchlab.pareto
(moocore): IGD+ of each final archive to the true front, median attainment surfaces.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchlab.analysis.load import Experiment
from benchlab.pareto.indicators import attainment_surface, igd_plus


def problem_of(experiment: Experiment, benchmark: str) -> dict:
    return dict(experiment.benchmark_info(benchmark).get("problem") or {})


def _senses(problem: dict) -> np.ndarray:
    return np.array([1.0 if d == "min" else -1.0 for d in problem["directions"]])


def normalised(points, problem: dict) -> np.ndarray:
    """Natural-unit points -> the losses in [0, 1] the hypervolume is computed on."""
    senses = _senses(problem)
    best, worst = np.asarray(problem["best"]) * senses, np.asarray(problem["worst"]) * senses
    span = np.where(worst > best, worst - best, 1.0)
    points = np.asarray(points, dtype=float).reshape(-1, len(senses))
    return (points * senses - best) / span


def final_archives(experiment: Experiment, benchmark: str, strategy: str) -> list[np.ndarray]:
    return [np.asarray(r.meta.get("archive") or [], dtype=float) for r in experiment.runs[(benchmark, strategy)]]


def igd_table(experiment: Experiment) -> pd.DataFrame:
    """Median and interquartile range of IGD+ of each run's final archive to the true front."""
    rows = []
    for b in experiment.benchmarks:
        problem = problem_of(experiment, b)
        if not problem.get("objectives"):
            continue
        front = normalised(problem["front"], problem)
        for s in experiment.strategies:
            values = np.array([igd_plus(normalised(a, problem), front) for a in final_archives(experiment, b, s)])
            q1, median, q3 = np.percentile(values, [25, 50, 75])
            rows.append({"benchmark": b, "strategy": s, "runs": len(values), "median_igd_plus": median,
                         "q25": q1, "q75": q3})
    return pd.DataFrame(rows, columns=["benchmark", "strategy", "runs", "median_igd_plus", "q25", "q75"])


def feasibility_table(experiment: Experiment) -> pd.DataFrame:
    """Per constrained benchmark and strategy: the fraction of runs that found a feasible cell."""
    rows = []
    for b in experiment.benchmarks:
        problem = problem_of(experiment, b)
        if not problem.get("constraints"):
            continue
        for s in experiment.strategies:
            runs = experiment.runs[(b, s)]
            found = [bool(r.meta.get("found_feasible")) for r in runs]
            first = [r.meta["first_feasible_step"] + 1 for r in runs if r.meta.get("first_feasible_step") is not None]
            rows.append({"benchmark": b, "strategy": s, "runs": len(runs), "found_feasible": float(np.mean(found)),
                         "median_queries_to_first_feasible": float(np.median(first)) if first else np.nan,
                         "feasible_cells_in_table": problem.get("feasible_fraction")})
    return pd.DataFrame(rows, columns=["benchmark", "strategy", "runs", "found_feasible",
                                       "median_queries_to_first_feasible", "feasible_cells_in_table"])


def attainment(experiment: Experiment, benchmark: str) -> dict[str, np.ndarray]:
    """Each strategy's median (50%) attainment surface of its final archives, natural units."""
    problem = problem_of(experiment, benchmark)
    senses = _senses(problem)
    out = {}
    for s in experiment.strategies:
        losses = [a * senses if len(a) else a for a in final_archives(experiment, benchmark, s)]
        surface = attainment_surface(losses, 50.0)
        out[s] = surface * senses if len(surface) else surface
    return out
