"""Multi-objective regularized evolution, as Syne Tune's MOREA: ageing, non-domination tournaments."""

from __future__ import annotations

from collections import deque

import numpy as np

from algorithms.base import Feedback, Strategy
from algorithms.hyperparameters import Interval, check_hyperparameters
from algorithms.pareto_ranking import feasible_first_ranks, losses_of
from benchlab.spaces.base import SearchSpace


class MORegularizedEvolution(Strategy):
    """Regularized evolution whose tournament ranks by non-domination.

    The first `population_size` proposals are random samples. Afterwards each proposal
    mutates the winner of a tournament: `sample_size` distinct members drawn uniformly from
    the population are sorted by non-domination (feasible first under constraints) and the
    winner is drawn uniformly among the sample's best rank. Every result joins the population;
    once it is full the oldest member dies (ageing, not the worst).
    """

    hyperparameter_constraints = {"population_size": Interval(int, 1), "sample_size": Interval(int, 1)}

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        *,
        population_size: int = 50,
        sample_size: int = 10,
        dedupe: bool = True,
    ):
        check_hyperparameters(type(self), locals())
        super().__init__(space, rng, dedupe=dedupe)
        self.population_size = int(population_size)
        self.sample_size = int(sample_size)
        self._members: deque = deque(maxlen=self.population_size)  # oldest first
        self._losses: deque = deque(maxlen=self.population_size)
        self._violations: deque = deque(maxlen=self.population_size)

    @property
    def population(self) -> list[tuple]:
        """(arch, losses, violation) of every member, oldest first."""
        return list(zip(self._members, self._losses, self._violations))

    def _ask(self):
        n = len(self._members)
        if n < self.population_size:
            return self.space.sample(self.rng)
        drawn = self.rng.choice(n, size=min(self.sample_size, n), replace=False)
        ranks = feasible_first_ranks(np.array([self._losses[i] for i in drawn.tolist()], dtype=float),
                                     np.array([self._violations[i] for i in drawn.tolist()]))
        best = drawn[ranks == ranks.min()]
        return self.space.mutate(self._members[int(best[self.rng.integers(len(best))])], self.rng)

    def _tell(self, arch, feedback: Feedback) -> None:
        self._members.append(arch)
        self._losses.append(losses_of(feedback))
        self._violations.append(float(feedback.violation))
