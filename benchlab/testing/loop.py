"""A minimal evaluation loop (the simulator proper lives in benchlab.run): what the kit runs a
strategy in, checking each proposal, and what the project's strategy tests measure with."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from algorithms.base import Feedback, Proposal
from benchlab.errors import UserError
from benchlab.testing._checks import Checker


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
    """Evaluate up to `n_evals` proposals; with `workers` > 1 keep that many asks outstanding
    and return their results alternately oldest and newest first (so tells do not follow asks).

    A proposal outside the space or the table, or at a fidelity the benchmark lacks, raises
    `ConformanceError`; a `None` proposal ends the loop early (the strategy is done).
    """
    check = Checker(f"strategy {type(strategy).__name__}", "docs/adding-a-strategy.md")
    out = LoopResult()
    outstanding: list = []
    best = -np.inf
    best_mean = np.nan
    asked = 0
    done = False
    while len(out.keys) < n_evals:
        while not done and len(outstanding) < workers and asked < n_evals:
            with check.calling("ask()"):
                proposal = strategy.ask()
            if proposal is None:
                done = True
                break
            outstanding.append(_checked_proposal(check, benchmark, proposal))
            asked += 1
        if not outstanding:
            break
        index = 0 if len(out.keys) % 2 == 0 else -1  # alternately the oldest and the newest
        arch, fidelity = outstanding.pop(index)
        with _evaluable(check, benchmark, arch):
            obs = benchmark.query(arch, rng, fidelity)
        with check.calling("tell()"):
            strategy.tell(arch, Feedback(valid=obs.valid, cost=obs.cost, fidelity=obs.fidelity))
        out.keys.append(obs.key)
        out.observed.append(obs.valid)
        out.archs.append(arch)
        if obs.valid > best:
            best = obs.valid
            best_mean = benchmark.means(arch).valid
        out.incumbent_valid_mean.append(best_mean)
    return out


def _checked_proposal(check: Checker, benchmark, proposal) -> tuple:
    arch, fidelity = (proposal.arch, proposal.fidelity) if isinstance(proposal, Proposal) else (proposal, None)
    with _evaluable(check, benchmark, arch):
        benchmark.space.validate(arch)
        benchmark.check_fidelity(fidelity)
    return arch, fidelity


@contextmanager
def _evaluable(check: Checker, benchmark, arch):
    """Report a proposal the space or the benchmark rejects as the strategy's fault."""
    try:
        yield
    except UserError as exc:
        raise check.error(f"ask() proposed {arch!r}, which {benchmark.name} cannot evaluate ({exc}); propose "
                          "architectures of the space it was given (space.sample, mutate, neighbours, "
                          "from_decisions) at one of the benchmark's fidelities") from exc
    except Exception as exc:
        raise check.error(f"ask() proposed {arch!r}, which is no architecture of {benchmark.space.name} "
                          f"({type(exc).__name__}: {exc}); propose values the space's own methods return") from exc
