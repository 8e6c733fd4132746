"""The verdict a report opens with: which strategies are best on each benchmark, how surely.

Per benchmark, the leader is the strategy with the lowest median final regret. The best
group is the leader plus every strategy the pairwise tests (Mann-Whitney U, Holm over the
benchmark's pairs) cannot tell apart from it; the certainty says how many of the others the
leader beats at the report's alpha and gives the probability that a run of the leader ends
lower than a run of the runner-up (A12).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchlab.analysis import performance
from benchlab.analysis.load import Experiment


def verdict_table(experiment: Experiment, pairwise: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for b in experiment.benchmarks:
        finals = performance.final_regrets(experiment, b)
        medians = {s: float(np.median(v)) for s, v in finals.items()}
        order = sorted(medians, key=medians.get)
        leader = order[0]
        here = pairwise[pairwise.benchmark == b]
        group, beaten = [leader], 0
        for other in order[1:]:
            row = _pair(here, leader, other)
            if row is None or row["verdict"] == "not distinguishable":
                group.append(other)
            elif row["verdict"] == "better":
                beaten += 1
        runner_up = order[1] if len(order) > 1 else None
        pair = _pair(here, leader, runner_up) if runner_up else None
        rows.append({
            "benchmark": b,
            "best": ", ".join(group),
            "leader": leader,
            "median final regret": medians[leader],
            "leader beats": f"{beaten} of {len(order) - 1} others",
            "vs runner-up": (f"{runner_up}: P(lower) = {pair['prob']:.2f}, Holm p = {pair['p_holm']:.2g}"
                             if pair is not None else "n/a"),
        })
    return pd.DataFrame(rows, columns=["benchmark", "best", "leader", "median final regret", "leader beats",
                                       "vs runner-up"])


def _pair(frame: pd.DataFrame, a: str, b: str) -> dict | None:
    """The pairwise row of a vs b, oriented so that 'better' and P(lower) speak for a."""
    for _, row in frame.iterrows():
        if row["a"] == a and row["b"] == b:
            return {"verdict": row["verdict"], "prob": row["prob_a_beats_b"], "p_holm": row["p_holm"]}
        if row["a"] == b and row["b"] == a:
            flipped = {"better": "worse", "worse": "better"}.get(row["verdict"], row["verdict"])
            return {"verdict": flipped, "prob": 1 - row["prob_a_beats_b"], "p_holm": row["p_holm"]}
    return None
