"""The BANANAS predictor: an ensemble of fully connected networks, mean and spread of their
predictions (White, Neiswanger and Savani 2021).

Defaults are the paper's: 5 networks of 10 hidden layers of width 20, ReLU, trained 150
epochs with Adam (learning rate 0.01, betas 0.9/0.99), minibatches of 32, mean absolute
error. Scores are standardised before training. `backend="numpy"` (default) trains the five
networks side by side (`stacked_mlp`); `backend="sklearn"` trains them one at a time with
scikit-learn's `MLPRegressor` (squared error: it has no absolute-error loss), the slower
reference. Neither needs torch.
"""

from __future__ import annotations

import warnings

import numpy as np

from benchlab.predictors.base import Predictor, standardise
from benchlab.predictors.stacked_mlp import StackedMLPs
from benchlab.spaces.base import SearchSpace


class MLPEnsemblePredictor(Predictor):
    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        *,
        encoding: str = "path",
        n_networks: int = 5,
        n_layers: int = 10,
        width: int = 20,
        epochs: int = 150,
        batch_size: int = 32,
        learning_rate: float = 0.01,
        loss: str = "mae",
        backend: str = "numpy",
    ):
        super().__init__(space, rng, encoding)
        if min(n_networks, n_layers, width, epochs, batch_size) < 1:
            raise ValueError("n_networks, n_layers, width, epochs and batch_size must be at least 1")
        if loss not in ("mae", "mse"):
            raise ValueError(f"loss must be 'mae' or 'mse', got {loss!r}")
        if backend not in ("numpy", "sklearn"):
            raise ValueError(f"backend must be 'numpy' or 'sklearn', got {backend!r}")
        if not learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {learning_rate}")
        self.n_networks = int(n_networks)
        self.n_layers = int(n_layers)
        self.width = int(width)
        self.epochs = int(epochs)
        self.batch_size = int(batch_size)
        self.learning_rate = float(learning_rate)
        self.loss = loss
        self.backend = backend

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        z, self._mean, self._scale = standardise(y)
        hidden = (self.width,) * self.n_layers
        if self.backend == "numpy":
            nets = StackedMLPs(self.n_networks, X.shape[1], hidden, self.rng)
            nets.train(X, z, self.rng, epochs=self.epochs, batch_size=self.batch_size,
                       learning_rate=self.learning_rate, loss=self.loss)
            self._predict_each = nets.predict
        else:
            self._predict_each = self._fit_sklearn(X, z, hidden)

    def _fit_sklearn(self, X, z, hidden):
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPRegressor

        models = []
        for _ in range(self.n_networks):
            model = MLPRegressor(
                hidden_layer_sizes=hidden, learning_rate_init=self.learning_rate, batch_size=self.batch_size,
                max_iter=self.epochs, tol=0.0, n_iter_no_change=self.epochs + 1, beta_2=0.99,
                alpha=0.0, random_state=self._seed(),
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)  # it always runs all epochs
                models.append(model.fit(X, z))
        return lambda A: np.stack([m.predict(A) for m in models])

    def _predict(self, X: np.ndarray):
        each = self._mean + self._scale * self._predict_each(X)
        return each.mean(axis=0), each.std(axis=0)
