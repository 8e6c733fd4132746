"""A Gaussian process on categorical decision vectors with one relevance weight per decision.

Kernel: k(x, y) = exp(-sum_d w_d [x_d != y_d]) on standardised targets (signal variance 1)
plus a learnt noise variance: the exponentiated Hamming kernel with automatic relevance
determination, the kernel made for categorical spaces (as in CoCaBO and Casmopolitan),
which lets a search learn which decisions matter. Weights and noise are set by maximising
the marginal likelihood with a weak log-normal prior on the weights (MAP; it keeps a fit
on ten points from pushing weights to the bounds), L-BFGS-B with the analytic gradient,
warm-started from the previous optimum.

Written with numpy/scipy rather than scikit-learn: scikit-learn has no categorical kernel,
and its `GaussianProcessRegressor` spends a third of a fit on input validation.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cho_solve, cholesky, solve_triangular
from scipy.optimize import minimize

_LOG_W_BOUNDS = (np.log(1e-3), np.log(20.0))
_LOG_NOISE_BOUNDS = (np.log(1e-4), np.log(1.0))
_PRIOR_LOG_W = np.log(0.5)  # weight prior centre: half a unit of log-correlation per differing decision
_PRIOR_SCALE = 2.0  # in log units: weak


class HammingGP:
    """Exact GP regression on integer decision vectors (rows of X)."""

    def __init__(self, n_dims: int, max_iter: int = 50):
        self.theta = np.concatenate([np.full(n_dims, _PRIOR_LOG_W), [np.log(0.1)]])  # log w_1..D, log noise
        self.max_iter = max_iter

    @property
    def weights(self) -> np.ndarray:
        return np.exp(self.theta[:-1])

    def fit(self, X: np.ndarray, y: np.ndarray, optimise: bool) -> "HammingGP":
        """Condition on (X, y); with `optimise`, first re-estimate the weights and the noise."""
        self._X = np.asarray(X)
        y = np.asarray(y, dtype=float)
        self._y_mean, self._y_std = y.mean(), (y.std() or 1.0)
        self._z = (y - self._y_mean) / self._y_std
        mismatch = (self._X[:, None, :] != self._X[None, :, :]).astype(float)  # (n, n, D)
        if optimise:
            bounds = [_LOG_W_BOUNDS] * (len(self.theta) - 1) + [_LOG_NOISE_BOUNDS]
            result = minimize(self._negative_log_posterior, self.theta, args=(mismatch,), jac=True,
                              method="L-BFGS-B", bounds=bounds, options={"maxiter": self.max_iter})
            self.theta = result.x
        K = np.exp(-mismatch @ self.weights)
        K[np.diag_indices_from(K)] += np.exp(self.theta[-1])
        self._L = cholesky(K, lower=True, check_finite=False)
        self._alpha = cho_solve((self._L, True), self._z, check_finite=False)
        return self

    def _negative_log_posterior(self, theta: np.ndarray, mismatch: np.ndarray):
        w, noise = np.exp(theta[:-1]), np.exp(theta[-1])
        K_signal = np.exp(-mismatch @ w)
        K = K_signal.copy()
        K[np.diag_indices_from(K)] += noise
        try:
            L = cholesky(K, lower=True, check_finite=False)
        except np.linalg.LinAlgError:
            return 1e25, np.zeros_like(theta)
        alpha = cho_solve((L, True), self._z, check_finite=False)
        log_likelihood = -0.5 * self._z @ alpha - np.log(np.diag(L)).sum()
        # d log p / d theta = 0.5 tr((alpha alpha^T - K^-1) dK/dtheta)
        inner = np.outer(alpha, alpha) - cho_solve((L, True), np.eye(len(K)), check_finite=False)
        grad_w = -0.5 * w * np.einsum("ij,ijd->d", inner * K_signal, mismatch)
        grad_noise = 0.5 * noise * np.trace(inner)
        prior = -0.5 * np.sum(((theta[:-1] - _PRIOR_LOG_W) / _PRIOR_SCALE) ** 2)
        grad_prior = -(theta[:-1] - _PRIOR_LOG_W) / _PRIOR_SCALE**2
        grad = np.concatenate([grad_w + grad_prior, [grad_noise]])
        return -(log_likelihood + prior), -grad

    def predict(self, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation of the latent function at the rows of Z."""
        K_star = np.exp(-((np.asarray(Z)[:, None, :] != self._X[None, :, :]) @ self.weights))  # (m, n)
        mean = K_star @ self._alpha
        v = solve_triangular(self._L, K_star.T, lower=True, check_finite=False)
        var = np.maximum(1.0 - np.einsum("ij,ij->j", v, v), 1e-12)
        return mean * self._y_std + self._y_mean, np.sqrt(var) * self._y_std
