"""Regularized (ageing) evolution, Real et al. 2019, as in the NAS-Bench-101 reference scripts."""

from __future__ import annotations

from collections import deque

import numpy as np

from algorithms.base import Feedback, Strategy
from algorithms.hyperparameters import Interval, check_hyperparameters
from benchlab.spaces.base import SearchSpace


class RegularizedEvolution(Strategy):
    """Tournament selection with ageing.

    The first `population_size` proposals are random samples. After that each proposal is a
    mutation (the space's `mutate`) of the best of `sample_size` members drawn uniformly
    *with replacement* from the population (as `random.choice` in the reference scripts);
    ties go to the member drawn first. Every result joins the population in the order it
    arrives and, once the population is full, the oldest member dies.

    With asynchronous workers an `ask()` made while fewer than `population_size` results
    have arrived is a random sample, so the population fills exactly as the sequential
    algorithm's does. Mutations may return an architecture already evaluated (the published
    algorithm keeps them); `dedupe=True` proposes only unseen ones.

    Constraints: feasible first. While the population holds an infeasible member, a
    tournament compares (-violation, score): any feasible member beats any infeasible one.
    """

    hyperparameter_constraints = {"population_size": Interval(int, 1), "sample_size": Interval(int, 1)}

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        *,
        population_size: int = 100,
        sample_size: int = 10,
        dedupe: bool = False,
    ):
        check_hyperparameters(type(self), locals())
        super().__init__(space, rng, dedupe=dedupe)
        self.population_size = int(population_size)
        self.sample_size = int(sample_size)
        # oldest first; parallel lists so a tournament is one vectorised draw
        self._members: deque = deque(maxlen=self.population_size)
        self._scores: deque = deque(maxlen=self.population_size)
        self._violations: deque = deque(maxlen=self.population_size)
        self._infeasible = 0  # members with a violation: without any, the float fast path
    @property
    def population(self) -> list[tuple]:
        """The current population as (arch, observed validation), oldest first."""
        return list(zip(self._members, self._scores))

    def _ask(self):
        n = len(self._members)
        if n < self.population_size:
            return self.space.sample(self.rng)
        return self.space.mutate(self._tournament_winner(), self.rng)

    def _tournament_winner(self):
        drawn = self.rng.integers(len(self._members), size=self.sample_size)
        scores = self._scores
        if self._infeasible:
            violations = self._violations
            best = max(drawn.tolist(), key=lambda i: (-violations[i], scores[i]))
            return self._members[best]
        best = max(drawn.tolist(), key=scores.__getitem__)  # max keeps the first of equal scores
        return self._members[best]

    def _tell(self, arch, feedback: Feedback) -> None:
        # deque(maxlen) drops the oldest member once full: ageing, not the worst dies
        if len(self._violations) == self.population_size and self._violations[0] > 0:
            self._infeasible -= 1  # the oldest member, about to die, was infeasible
        self._members.append(arch)
        self._scores.append(float(feedback.valid))
        self._violations.append(float(feedback.violation))
        self._infeasible += feedback.violation > 0
