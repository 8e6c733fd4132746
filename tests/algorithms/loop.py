"""A minimal evaluation loop for strategy tests (the simulator proper lives in benchlab.run)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from algorithms.base import Feedback, Proposal


@dataclass
class LoopResult:
    keys: list = field(default_factory=list)  # canonical keys in evaluation order
    observed: list = field(default_factory=list)  # observed validation scores, same order
    archs: list = field(default_factory=list)
    incumbent_valid_mean: list = field(default_factory=list)  # mean valid of the incumbent after each step

    def regret(self, benchmark) -> float:
        """Final validation regret of the incumbent chosen by observed validation."""
        return benchmark.optimum.valid - self.incumbent_valid_mean[-1]


def run_loop(benchmark, strategy, n_evals: int, rng: np.random.Generator, workers: int = 1) -> LoopResult:
    """Evaluate `n_evals` proposals; with `workers` > 1 keep that many asks outstanding and
    return their results alternately oldest and newest first (so tells do not follow asks)."""
    out = LoopResult()
    outstanding: list = []
    best = -np.inf
    best_mean = np.nan
    asked = 0
    while len(out.keys) < n_evals:
        while len(outstanding) < workers and asked < n_evals:
            proposal = strategy.ask()
            arch = proposal.arch if isinstance(proposal, Proposal) else proposal
            outstanding.append(arch)
            asked += 1
        index = 0 if len(out.keys) % 2 == 0 else -1  # alternately the oldest and the newest
        arch = outstanding.pop(index)
        obs = benchmark.query(arch, rng)
        strategy.tell(arch, Feedback(valid=obs.valid, cost=obs.cost, fidelity=obs.fidelity))
        out.keys.append(obs.key)
        out.observed.append(obs.valid)
        out.archs.append(arch)
        if obs.valid > best:
            best = obs.valid
            best_mean = benchmark.means(arch).valid
        out.incumbent_valid_mean.append(best_mean)
    return out
