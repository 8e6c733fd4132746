"""Report sections of experiments with objectives or constraints, and the notes that explain them."""

from __future__ import annotations

import json
import math

import pandas as pd

from benchlab.analysis import multiobjective
from benchlab.analysis.load import Experiment
from benchlab.harness.storage import slug

VERDICT_NOTE = (
    "Leader: lowest median final regret (the reported regret of each benchmark). Best: the leader and every "
    "strategy the pairwise tests cannot tell apart from it (two-sided Mann-Whitney U, Holm over the benchmark's "
    "pairs, at the report's alpha). P(lower): probability that a run of the leader ends with lower regret than a run of the "
    "runner-up (Vargha-Delaney A12)."
)
MO_NOTE = (
    "Objectives and constraints: each objective is a loss scaled to [0, 1] by the best and worst value any cell of "
    "the table has; hypervolume (moocore) is measured in that space against the reference point 1.1 in every "
    "objective, i.e. the worst value over the table plus 10% of its range (listed below in natural units). "
    "Hypervolume regret = the table's exact front's hypervolume minus that of the run's archive of evaluated "
    "feasible cells (repeat-means), recorded after every evaluation, so curves never look ahead. IGD+ compares the "
    "final archive with the true front in the same space. Attainment surfaces: the points attained by at least half "
    "the runs (moocore's EAF). Constrained regret is against the best feasible cell; a run without a feasible "
    "incumbent counts as having found nothing (the regret of the worst feasible cell)."
)


def problems_table(experiment: Experiment) -> pd.DataFrame:
    rows = []
    for b in experiment.benchmarks:
        p = multiobjective.problem_of(experiment, b)
        if p:
            rows.append({"benchmark": b, "objectives": ", ".join(p.get("objectives", [])) or "valid",
                         "constraints": ", ".join(p.get("constraints", [])) or "none",
                         "feasible cells": p.get("feasible_fraction"),
                         "reference point": json.dumps([float(f"{v:.4g}") for v in p.get("reference_point", [])]),
                         "front size": len(p.get("front", [])),
                         "front hypervolume": p.get("front_hypervolume", math.nan)})
    return pd.DataFrame(rows)


def multiobjective_sections(data, benchmark: str):
    for figure in data.figures:
        if figure.name == f"attainment_{slug(benchmark)}":
            yield "figure", figure
    igd = data.igd[data.igd.benchmark == benchmark] if len(data.igd) else data.igd
    if len(igd):
        yield "h3", "IGD+ of the final archives to the true front (median, quartiles)"
        yield "table", igd.drop(columns="benchmark")
    feasible = data.feasibility[data.feasibility.benchmark == benchmark] if len(data.feasibility) else data.feasibility
    if len(feasible):
        yield "h3", "Runs that found a feasible cell"
        yield "table", feasible.drop(columns="benchmark")
