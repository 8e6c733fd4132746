"""A Gaussian process on categorical decision vectors with one relevance weight per decision.

Kernel: k(x, y) = exp(-sum_d w_d [x_d != y_d]) on standardised targets (signal variance 1)
plus a learnt noise variance: the exponentiated Hamming kernel with automatic relevance
determination, the kernel made for categorical spaces (as in CoCaBO and Casmopolitan),
which lets a search learn which decisions matter. Weights and noise are set by maximising
the marginal likelihood with a weak log-normal prior on the weights (MAP; it keeps a fit
on ten points from pushing weights to the bounds), L-BFGS-B with the analytic gradient,
warm-started from the previous optimum.

The kernel is computed from one-hot rows: sum_d w_d [x_d != y_d] = W - sum_d w_d [x_d = y_d]
with W = sum_d w_d, and the matches are one matrix product of weighted one-hot rows, which
costs a fifth of comparing every pair of rows decision by decision. Conditioning factorises
the kernel matrix afresh each time (a fraction of a millisecond at a few hundred points); an
inverse extended point by point by the block formula costs less but loses accuracy fast
when the noise is small and a new point resembles an old one.

Written with numpy/scipy rather than scikit-learn: scikit-learn has no categorical kernel,
and its `GaussianProcessRegressor` spends a third of a fit on input validation. The LAPACK
routines are called directly (`dpotrf`, `dtrtri`): at a few hundred points the checking
wrappers of `scipy.linalg` cost as much as the factorisation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.linalg.lapack import dpotrf, dtrtri
from scipy.optimize import minimize

_LOG_W_BOUNDS = (np.log(1e-3), np.log(20.0))
_LOG_NOISE_BOUNDS = (np.log(1e-4), np.log(1.0))
_PRIOR_LOG_W = np.log(0.5)  # weight prior centre: half a unit of log-correlation per differing decision
_PRIOR_SCALE = 2.0  # in log units: weak


def _cholesky_inverse(K: np.ndarray) -> tuple[np.ndarray, float] | None:
    """(K^-1, log det K) of a symmetric positive definite K; None when K is not (numerically)."""
    L, info = dpotrf(K, lower=1, clean=1)
    if info != 0:
        return None
    half_log_det = float(np.log(np.diag(L)).sum())
    # K^-1 = L^-T L^-1: a triangular inverse and one product cost about a third of `dpotri`
    # (which also leaves only a triangle to mirror)
    L_inverse, info = dtrtri(L, lower=1)
    if info != 0:
        return None
    return L_inverse.T @ L_inverse, 2 * half_log_det


class HammingGP:
    """Exact GP regression on integer decision vectors (rows of X, entry d in range(sizes[d]))."""

    def __init__(self, sizes: Sequence[int], max_iter: int = 50, ftol: float = 1e-5):
        self.sizes = np.asarray(sizes, dtype=np.int64)
        self._offsets = np.concatenate([[0], np.cumsum(self.sizes)[:-1]])
        self._column_dim = np.repeat(np.arange(len(self.sizes)), self.sizes)  # decision of each one-hot column
        self.theta = np.concatenate([np.full(len(self.sizes), _PRIOR_LOG_W), [np.log(0.1)]])  # log w, log noise
        self.max_iter = max_iter
        # L-BFGS-B stops when the negative log posterior changes by less than this fraction
        # in a step: warm-started, a fit then takes about half the steps of scipy's default
        # (2.2e-9), and the search ends as well (docs/strategies.md)
        self.ftol = ftol
        self._inverse: np.ndarray | None = None  # K^-1 of the rows conditioned on, at self.theta

    @property
    def weights(self) -> np.ndarray:
        return np.exp(self.theta[:-1])

    def one_hot(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.int64)
        out = np.zeros((len(X), int(self.sizes.sum())))
        out[np.arange(len(X))[:, None], X + self._offsets] = 1.0
        return out

    def _signal(self, A: np.ndarray, B: np.ndarray, w: np.ndarray) -> np.ndarray:
        """exp(-sum_d w_d [a_d != b_d]) for one-hot rows a of A and b of B."""
        return np.exp((A * w[self._column_dim]) @ B.T - w.sum())

    def fit(self, X: np.ndarray, y: np.ndarray, optimise: bool) -> "HammingGP":
        """Condition on (X, y); with `optimise`, first re-estimate the weights and the noise."""
        X = np.asarray(X, dtype=np.int64)
        y = np.asarray(y, dtype=float)
        self._y_mean, self._y_std = y.mean(), (y.std() or 1.0)
        self._z = (y - self._y_mean) / self._y_std
        self._O = self.one_hot(X)
        if optimise:
            bounds = [_LOG_W_BOUNDS] * len(self.sizes) + [_LOG_NOISE_BOUNDS]
            result = minimize(self._negative_log_posterior, self.theta, jac=True, method="L-BFGS-B",
                              bounds=bounds, options={"maxiter": self.max_iter, "ftol": self.ftol})
            self.theta = result.x
        self._inverse = self._full_inverse()
        self._alpha = self._inverse @ self._z
        return self

    def _kernel(self, O: np.ndarray) -> np.ndarray:
        K = self._signal(O, O, self.weights)
        K.flat[:: len(K) + 1] += np.exp(self.theta[-1])  # the diagonal
        return K

    def _full_inverse(self) -> np.ndarray:
        found = _cholesky_inverse(self._kernel(self._O))
        if found is None:
            raise np.linalg.LinAlgError("the kernel matrix is not positive definite")
        return found[0]

    def _negative_log_posterior(self, theta: np.ndarray):
        w, noise = np.exp(theta[:-1]), np.exp(theta[-1])
        O = self._O
        K_signal = self._signal(O, O, w)
        K = K_signal.copy()
        K.flat[:: len(K) + 1] += noise
        found = _cholesky_inverse(K)
        if found is None:
            return 1e25, np.zeros_like(theta)
        inverse, log_det = found
        alpha = inverse @ self._z
        log_likelihood = -0.5 * self._z @ alpha - 0.5 * log_det
        # d log p / d theta = 0.5 tr((alpha alpha^T - K^-1) dK/dtheta); dK/dw_d = -K_signal * mismatch_d,
        # and sum_ij G_ij mismatch_ijd = sum(G) - sum over the columns c of decision d of (O^T G O)_cc
        inner = np.outer(alpha, alpha) - inverse
        G = inner * K_signal
        matches = np.add.reduceat(np.einsum("ic,ic->c", G @ O, O), self._offsets)
        grad_w = -0.5 * w * (G.sum() - matches)
        grad_noise = 0.5 * noise * np.trace(inner)
        prior = -0.5 * np.sum(((theta[:-1] - _PRIOR_LOG_W) / _PRIOR_SCALE) ** 2)
        grad_prior = -(theta[:-1] - _PRIOR_LOG_W) / _PRIOR_SCALE**2
        grad = np.concatenate([grad_w + grad_prior, [grad_noise]])
        return -(log_likelihood + prior), -grad

    def predict(self, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation of the latent function at the rows of Z."""
        K_star = self._signal(self.one_hot(Z), self._O, self.weights)  # (m, n)
        mean = K_star @ self._alpha
        var = np.maximum(1.0 - np.einsum("ij,ij->i", K_star @ self._inverse, K_star), 1e-12)
        return mean * self._y_std + self._y_mean, np.sqrt(var) * self._y_std
