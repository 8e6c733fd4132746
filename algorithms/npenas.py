"""NPENAS (Wei, Niu, Tang and Wang 2022, "NPENAS: Neural predictor guided evolution for
neural architecture search"), the NPENAS-NP variant: evolution whose children are screened
by a performance predictor before any is evaluated."""

from __future__ import annotations

import numpy as np

from algorithms.hyperparameters import Interval
from algorithms.predictor_guided import PredictorGuidedSearch
from benchlab.spaces.base import SearchSpace


class Npenas(PredictorGuidedSearch):
    """Each round, every architecture of the population (the `population_size` best so far)
    is mutated into children, `n_candidates` in all (one `mutate` step each, parents taken
    best first, round robin); the predictor ranks the children by its mean and the
    `batch_size` best are evaluated. The paper's predictor is a graph network on the cell
    graph; here any registered predictor serves (default the BANANAS MLP ensemble on the path
    encoding), ranked by its mean only, as NPENAS-NP has no uncertainty.
    """

    hyperparameter_constraints = {"population_size": Interval(int, 1)}

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        *,
        n_initial: int = 10,
        n_candidates: int = 100,
        batch_size: int = 10,
        population_size: int = 20,
        predictor: str = "mlp-ensemble",
        predictor_params: dict | None = None,
        dedupe: bool = True,
    ):
        super().__init__(space, rng, locals())  # checks every hyperparameter, keeps the shared ones
        if population_size < 1:
            raise ValueError(f"population_size must be at least 1, got {population_size}")
        self.population_size = int(population_size)

    def _candidates(self) -> list:
        parents = self._best_first()[: self.population_size]
        found: dict = {}
        for i in range(4 * self.n_candidates):  # a few tries per slot: children may repeat
            if len(found) >= self.n_candidates:
                break
            self._add_candidate(found, self.space.mutate(parents[i % len(parents)], self.rng))
        return list(found.values())

    def _acquisition(self, mean, std):
        return mean
