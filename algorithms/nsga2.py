"""NSGA-II (Deb et al. 2002) over an architecture space: non-dominated sorting and crowding."""

from __future__ import annotations

import numpy as np

from algorithms.base import Feedback, Strategy
from algorithms.hyperparameters import Interval, check_hyperparameters
from algorithms.pareto_ranking import crowding_distance, feasible_first_ranks, losses_of
from benchlab.spaces.base import SearchSpace


class NSGA2(Strategy):
    """Generational NSGA-II with the space's `crossover` and `mutate`.

    The first `population_size` results (every ask made before they are in is a random
    sample) form the parents. Each later ask picks two parents by binary tournament (lower
    non-domination rank wins, then larger crowding distance), recombines them with
    probability `crossover_probability` and mutates the child. Once `population_size`
    children have been told, parents and children are merged and the best `population_size`
    by rank, then crowding distance, survive. Constraints: feasible first (every feasible
    result ranks before any infeasible one, infeasible ones by violation).
    """

    hyperparameter_constraints = {
        "population_size": Interval(int, 2),
        "crossover_probability": Interval(float, 0, 1),
    }

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        *,
        population_size: int = 20,
        crossover_probability: float = 0.5,
        dedupe: bool = True,
    ):
        check_hyperparameters(type(self), locals())
        super().__init__(space, rng, dedupe=dedupe)
        self.population_size = int(population_size)
        self.crossover_probability = float(crossover_probability)
        self._parents: list[tuple] = []  # (arch, losses, violation)
        self._children: list[tuple] = []
        self._rank = np.zeros(0, dtype=np.int64)  # of the parents
        self._crowding = np.zeros(0)

    @property
    def parents(self) -> list[tuple]:
        """The surviving population as (arch, losses, violation)."""
        return list(self._parents)

    def _ask(self):
        if len(self._parents) < self.population_size:
            return self.space.sample(self.rng)
        first, second = self._tournament(), self._tournament()
        child = first
        if self.rng.random() < self.crossover_probability:
            child = self.space.crossover(first, second, self.rng)
        return self.space.mutate(child, self.rng)

    def _tournament(self):
        i, j = self.rng.integers(len(self._parents), size=2).tolist()
        if (self._rank[j], -self._crowding[j]) < (self._rank[i], -self._crowding[i]):
            i = j
        return self._parents[i][0]

    def _tell(self, arch, feedback: Feedback) -> None:
        member = (arch, losses_of(feedback), float(feedback.violation))
        if len(self._parents) < self.population_size:
            self._parents.append(member)
            if len(self._parents) == self.population_size:
                self._survive(self._parents)
            return
        self._children.append(member)
        if len(self._children) >= self.population_size:
            self._survive(self._parents + self._children)
            self._children = []

    def _survive(self, pool: list[tuple]) -> None:
        losses = np.array([m[1] for m in pool], dtype=float)
        ranks = feasible_first_ranks(losses, np.array([m[2] for m in pool]))
        crowding = np.zeros(len(pool))
        for rank in np.unique(ranks):
            members = np.flatnonzero(ranks == rank)
            crowding[members] = crowding_distance(losses[members])
        order = np.lexsort((-crowding, ranks))[: self.population_size]
        self._parents = [pool[i] for i in order.tolist()]
        self._rank, self._crowding = ranks[order], crowding[order]
