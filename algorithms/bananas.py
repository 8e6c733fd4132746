"""BANANAS (White, Neiswanger and Savani 2021): Bayesian optimisation with an ensemble of
neural networks on the path encoding, independent Thompson sampling, and candidates
mutated from the best architectures."""

from __future__ import annotations

import numpy as np

from algorithms.hyperparameters import Interval
from algorithms.predictor_guided import PredictorGuidedSearch
from benchlab.spaces.base import SearchSpace


class Bananas(PredictorGuidedSearch):
    """The paper's defaults: 10 random architectures first; then rounds of 100 candidates,
    of which the `batch_size` = 10 best by independent Thompson sampling are evaluated.

    - Predictor: `mlp-ensemble` (5 networks, 10 layers of width 20, 150 epochs, on the
      path encoding for NB101/NB201 cells, one-hot for categorical spaces).
    - Candidates: mutations of the `n_parents` best architectures (1 to `max_mutations`
      `mutate` steps each, as the reference code's mutation rates 1..3); when these give
      fewer than `n_candidates` new architectures the next best ones are mutated too, up to
      `patience` times `n_parents` parents (the reference code's patience factor).
    - Acquisition, independent Thompson sampling: one draw from N(mean, std) per candidate
      (std from the ensemble's spread), the highest draws win. A predictor without std is
      ranked by its mean.
    """

    hyperparameter_constraints = {
        "n_parents": Interval(int, 1),
        "max_mutations": Interval(int, 1),
        "patience": Interval(int, 1),
    }

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        *,
        n_initial: int = 10,
        n_candidates: int = 100,
        batch_size: int = 10,
        n_parents: int = 2,
        max_mutations: int = 3,
        patience: int = 5,
        predictor: str = "mlp-ensemble",
        predictor_params: dict | None = None,
        dedupe: bool = True,
    ):
        super().__init__(space, rng, locals())  # checks every hyperparameter, keeps the shared ones
        if n_parents < 1 or max_mutations < 1 or patience < 1:
            raise ValueError("n_parents, max_mutations and patience must be at least 1")
        self.n_parents = int(n_parents)
        self.max_mutations = int(max_mutations)
        self.patience = int(patience)

    def _candidates(self) -> list:
        found: dict = {}
        per_rate = max(1, self.n_candidates // self.n_parents // self.max_mutations)
        for parent in self._best_first()[: self.n_parents * self.patience]:
            if len(found) >= self.n_candidates:
                break
            for _ in range(per_rate):
                for rate in range(1, self.max_mutations + 1):
                    child = parent
                    for _ in range(rate):
                        child = self.space.mutate(child, self.rng)
                    self._add_candidate(found, child)
        return list(found.values())[: self.n_candidates]

    def _acquisition(self, mean, std):
        if std is None:
            return mean
        return self.rng.normal(mean, std)
