"""A Gaussian-process predictor: scikit-learn's `GaussianProcessRegressor`, the surrogate of
the `bo` strategy (Matern 5/2 + white noise on normalised scores, hyperparameters by
maximum marginal likelihood)."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, Matern, WhiteKernel

from benchlab.predictors.base import Predictor
from benchlab.spaces.base import SearchSpace


class GaussianProcessPredictor(Predictor):
    """GP regression; `std` is the posterior standard deviation (noise excluded).

    `n_restarts` extra optimiser restarts from random hyperparameters (drawn with the
    predictor's generator); with none the fit is deterministic.
    """

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        *,
        encoding: str = "path",
        kernel: str = "matern",
        n_restarts: int = 2,
    ):
        super().__init__(space, rng, encoding)
        if kernel not in ("matern", "rbf"):
            raise ValueError(f"kernel must be 'matern' or 'rbf', got {kernel!r}")
        if n_restarts < 0:
            raise ValueError(f"n_restarts must be at least 0, got {n_restarts}")
        self.kernel = kernel
        self.n_restarts = int(n_restarts)
        self.stochastic = self.n_restarts > 0

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        shape = Matern(1.0, (1e-2, 1e3), nu=2.5) if self.kernel == "matern" else RBF(1.0, (1e-2, 1e3))
        self._gp = GaussianProcessRegressor(
            kernel=shape + WhiteKernel(1e-1, (1e-6, 1e1)),
            normalize_y=True,
            n_restarts_optimizer=self.n_restarts,
            random_state=self._seed(),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # bounds are often hit on small data
            self._gp.fit(X, y)

    def _predict(self, X: np.ndarray):
        return self._gp.predict(X, return_std=True)
