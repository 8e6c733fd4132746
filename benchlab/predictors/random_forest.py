"""A random forest (scikit-learn's `RandomForestRegressor`); `std` is the spread of the trees'
predictions, the uncertainty SMAC-style searches use."""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import RandomForestRegressor

from benchlab.predictors.base import Predictor
from benchlab.spaces.base import SearchSpace


class RandomForestPredictor(Predictor):
    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        *,
        encoding: str = "path+space",
        n_estimators: int = 200,
        min_samples_leaf: int = 1,
        max_features: float = 0.5,
    ):
        super().__init__(space, rng, encoding)
        if n_estimators < 1 or min_samples_leaf < 1 or not 0 < max_features <= 1:
            raise ValueError("need n_estimators >= 1, min_samples_leaf >= 1 and 0 < max_features <= 1")
        self.n_estimators = int(n_estimators)
        self.min_samples_leaf = int(min_samples_leaf)
        self.max_features = float(max_features)

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        self._model = RandomForestRegressor(
            n_estimators=self.n_estimators,
            min_samples_leaf=self.min_samples_leaf,
            max_features=self.max_features,
            random_state=self._seed(),
            n_jobs=1,
        ).fit(X, y)

    def _predict(self, X: np.ndarray):
        per_tree = np.stack([tree.predict(X) for tree in self._model.estimators_])
        return per_tree.mean(axis=0), per_tree.std(axis=0)
