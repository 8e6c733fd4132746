"""Optuna's samplers driven over a benchlab space by their ask/tell interface.

Each decision of the space (`space.decision_sizes`) is one categorical distribution; a
decision vector that is no architecture (`from_decisions` raises) is told as failed and
does not count as a query. The incumbent is the best observed score; the search returns
the mean validation score of that architecture.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from benchlab.errors import InvalidArchitectureError


def optuna_search(bench, make_sampler: Callable[[int], object], queries: int = 150) -> Callable[[int], float]:
    """seed -> final incumbent quality of one search with the sampler `make_sampler(seed)`."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = bench.space
    distributions = {f"d{i}": optuna.distributions.CategoricalDistribution(list(range(n)))
                     for i, n in enumerate(space.decision_sizes)}

    def search(seed: int) -> float:
        study = optuna.create_study(direction="maximize", sampler=make_sampler(seed))
        rng = np.random.default_rng(10_000 + seed)
        best, best_mean, done = -np.inf, np.nan, 0
        while done < queries:
            trial = study.ask(distributions)
            try:
                arch = space.from_decisions([trial.params[f"d{i}"] for i in range(len(distributions))])
            except InvalidArchitectureError:
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
                continue
            obs = bench.query(arch, rng)
            study.tell(trial, obs.valid)
            if obs.valid > best:
                best, best_mean = obs.valid, bench.means(arch).valid
            done += 1
        return best_mean

    return search


def tpe(seed: int):
    import optuna

    return optuna.samplers.TPESampler(seed=seed)


def random_sampler(seed: int):
    import optuna

    return optuna.samplers.RandomSampler(seed=seed)
