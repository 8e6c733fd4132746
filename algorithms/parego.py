"""ParEGO (Knowles 2006): Bayesian optimisation of random Chebyshev scalarisations."""

from __future__ import annotations

import numpy as np

from algorithms.bayesian_optimisation import BayesianOptimisation
from algorithms.base import Feedback
from algorithms.hyperparameters import Interval, check_hyperparameters, keyword_arguments
from algorithms.pareto_ranking import losses_of
from benchlab.spaces.base import SearchSpace


class ParEGO(BayesianOptimisation):
    """The GP-EI search of `BayesianOptimisation` on a scalar that changes with every proposal.

    Before each model-based proposal a weight vector is drawn uniformly from the simplex; the
    losses of every result are normalised to [0, 1] by the ranges observed so far and
    combined by the augmented Chebyshev function max_j(w_j z_j) + rho * sum_j(w_j z_j); the
    GP models its negative and Expected Improvement picks the candidate. Under constraints
    every infeasible result scores below every feasible one (feasible first). The other
    hyperparameters are `BayesianOptimisation`'s.
    """

    hyperparameter_constraints = {"rho": Interval(float, 0)}  # and BayesianOptimisation's, inherited

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        *,
        rho: float = 0.05,
        n_initial: int = 10,
        n_candidates: int = 100,
        n_random_candidates: int = 10,
        n_parents: int = 10,
        neighbour_candidates: bool = False,
        kernel: str = "matern",
        n_restarts: int = 0,
        max_iter: int = 20,
        refit_growth: float = 0.1,
        candidate_moves: str = "space",
        acquisition_steps: int = 0,
        n_climbers: int = 3,
        random_interleave: float = 0.0,
        dedupe: bool = True,
    ):
        check_hyperparameters(type(self), locals())
        super().__init__(space, rng, **keyword_arguments(locals(), "rho"))  # BayesianOptimisation's own
        self.rho = float(rho)
        self._losses: list[tuple] = []
        self._weights: np.ndarray | None = None

    def _ask(self):
        if self._losses:
            self._weights = self.rng.dirichlet(np.ones(len(self._losses[0])))
        return super()._ask()

    def targets(self) -> np.ndarray:
        losses = np.asarray(self._losses, dtype=float)
        low, high = losses.min(axis=0), losses.max(axis=0)
        z = (losses - low) / np.where(high > low, high - low, 1.0)
        weighted = z * self._weights
        scalar = weighted.max(axis=1) + self.rho * weighted.sum(axis=1)
        violations = np.asarray(self._violations)
        # feasible first: every infeasible result is worse than the worst feasible scalar (<= 1 + rho)
        scalar = np.where(violations > 0, 1.0 + self.rho + np.minimum(1.0, 0.1 + violations), scalar)
        return -scalar

    def _tell(self, arch, feedback: Feedback) -> None:
        super()._tell(arch, feedback)
        self._losses.append(losses_of(feedback))
