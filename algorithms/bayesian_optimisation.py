"""Bayesian optimisation: a Gaussian process on the space's encoding, Expected Improvement.

The surrogate is scikit-learn's `GaussianProcessRegressor`; its kernel hyperparameters
are set by maximising the marginal likelihood after every new result, warm-started from
the previous optimum (which keeps a refit at 150 observations to a few milliseconds).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import minimize
from scipy.special import erfcx, log_ndtr
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, Matern, WhiteKernel
from threadpoolctl import ThreadpoolController

from algorithms.base import Feedback, PendingKeys, Strategy
from algorithms.hyperparameters import HyperparameterError, Interval, Options, check_hyperparameters
from benchlab.spaces.base import SearchSpace

_THREADPOOLS: ThreadpoolController | None = None  # found once: scanning the loaded libraries is slow


def _blas_threadpools() -> ThreadpoolController:
    global _THREADPOOLS
    if _THREADPOOLS is None:
        _THREADPOOLS = ThreadpoolController()
    return _THREADPOOLS


_LOG_2PI_HALF = 0.5 * np.log(2 * np.pi)
_LOG_PI_2_HALF = 0.5 * np.log(np.pi / 2)
_INV_SQRT2 = 1 / np.sqrt(2)
_INV_SQRT_EPS = 1 / np.sqrt(np.finfo(float).eps)


def _log1mexp(x: np.ndarray) -> np.ndarray:
    """log(1 - exp(x)) for x < 0, accurate at both ends (Maechler 2012)."""
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    near = x > -np.log(2)
    out[near] = np.log(-np.expm1(x[near]))
    out[~near] = np.log1p(-np.exp(x[~near]))
    return out


def log_h(z: np.ndarray) -> np.ndarray:
    """log(phi(z) + z * Phi(z)), finite for every z (the LogEI form of Ament et al. 2023).

    Written by hand because scipy has no log-EI; the three branches avoid the catastrophic
    cancellation of phi(z) + z Phi(z) for very negative z.
    """
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    upper = z > -1
    zu = z[upper]
    out[upper] = np.log(np.exp(-0.5 * zu * zu - _LOG_2PI_HALF) + zu * np.exp(log_ndtr(zu)))
    middle = (~upper) & (z > -_INV_SQRT_EPS)
    zm = z[middle]
    out[middle] = (
        -0.5 * zm * zm - _LOG_2PI_HALF + _log1mexp(np.log(erfcx(-zm * _INV_SQRT2) * np.abs(zm)) + _LOG_PI_2_HALF)
    )
    lower = z <= -_INV_SQRT_EPS
    zl = z[lower]
    out[lower] = -0.5 * zl * zl - _LOG_2PI_HALF - 2 * np.log(np.abs(zl))
    return out


def log_expected_improvement(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    """log EI of exceeding `best` (maximisation) for Gaussian predictions; -inf where std is 0
    and the mean does not beat `best`."""
    mean = np.asarray(mean, dtype=float)
    std = np.asarray(std, dtype=float)
    out = np.full(mean.shape, -np.inf)
    pos = std > 0
    z = (mean[pos] - best) / std[pos]
    out[pos] = np.log(std[pos]) + log_h(z)
    certain = ~pos & (mean > best)
    out[certain] = np.log(mean[certain] - best)
    return out


class BayesianOptimisation(Strategy):
    """GP-EI Bayesian optimisation over a candidate set, BANANAS-style.

    - The first `n_initial` proposals (more precisely: every ask made while fewer than
      `n_initial` results have arrived) are random samples.
    - Surrogate: GP on `space.encode` (for NB101 the path encoding, its space's default),
      kernel ``Matern(nu=2.5)`` (or ``RBF``) ``+ WhiteKernel`` on normalised targets,
      length scale and noise by maximum marginal likelihood (L-BFGS warm-started from the
      previous fit, at most `max_iter` iterations, `n_restarts` extra random restarts),
      re-optimised whenever the data has grown by the fraction `refit_growth` since the last
      optimisation (with the default 0.1 about 30 optimisations in a 150-evaluation run,
      the last ones every ~15 results); the GP is conditioned on every result before each
      proposal, with the latest hyperparameters.
    - Candidates: `n_candidates` in all, of which `n_random_candidates` are random samples
      and the rest mutations (one or two `mutate` steps) of the `n_parents` best
      architectures seen so far; the one with the highest Expected Improvement over the best
      observed score is proposed.
    - Never proposes an architecture that is pending (asked, no result yet), so parallel
      workers get distinct proposals; with `dedupe` (on by default) never one already
      evaluated either.
    """

    hyperparameter_constraints = {
        "n_initial": Interval(int, 0),
        "n_candidates": Interval(int, 1),
        "n_random_candidates": Interval(int, 0),  # and at most n_candidates, checked in __init__
        "n_parents": Interval(int, 1),
        "kernel": Options("matern", "rbf"),
        "n_restarts": Interval(int, 0),
        "max_iter": Interval(int, 1),
        "refit_growth": Interval(float, 0),
    }

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        *,
        n_initial: int = 10,
        n_candidates: int = 100,
        n_random_candidates: int = 10,
        n_parents: int = 10,
        kernel: str = "matern",
        n_restarts: int = 0,
        max_iter: int = 20,
        refit_growth: float = 0.1,
        dedupe: bool = True,
    ):
        check_hyperparameters(type(self), locals())
        super().__init__(space, rng, dedupe=dedupe)
        if n_random_candidates > n_candidates:
            raise HyperparameterError(type(self).__name__, "n_random_candidates",
                                      f"at most n_candidates ({n_candidates})", n_random_candidates)
        self.n_initial = int(n_initial)
        self.n_candidates = int(n_candidates)
        self.n_random_candidates = int(n_random_candidates)
        self.n_parents = int(n_parents)
        self.kernel = kernel
        self.n_restarts = int(n_restarts)
        self.max_iter = int(max_iter)
        self.refit_growth = float(refit_growth)

        self._archs: list = []
        self._X = np.empty((16, space.encoding_size))
        self._y: list[float] = []
        self._violations: list[float] = []  # constraint violation of each result (0: feasible)
        self._pending = PendingKeys()  # asked, result not yet in
        self._gp: GaussianProcessRegressor | None = None
        self._fitted_on = 0  # number of observations the current GP was fitted on
        self._fitted_y = None  # ... and the targets it was fitted to
        self._optimised_on = 0  # ... and the last one whose hyperparameters were optimised
        self._kernel_init = self._initial_kernel()

    # -- surrogate -----------------------------------------------------------------------
    def _initial_kernel(self):
        shape = (
            Matern(length_scale=1.0, length_scale_bounds=(1e-2, 1e3), nu=2.5)
            if self.kernel == "matern"
            else RBF(length_scale=1.0, length_scale_bounds=(1e-2, 1e3))
        )
        # targets are normalised, so the signal variance is fixed at 1 and the noise level is
        # learnt relative to it (one hyperparameter fewer makes every fit cheaper)
        return shape + WhiteKernel(1e-1, (1e-6, 1e1))

    def targets(self) -> np.ndarray:
        """What the GP models and EI improves on, one value per result (higher is better): the
        observed validation scores; with constraints, feasible first: every infeasible result
        sits below every feasible one, the more so the larger its violation. Subclasses (ParEGO)
        override this to model another scalar."""
        y = np.asarray(self._y)
        violations = np.asarray(self._violations)
        if not np.any(violations > 0):
            return y
        span = max(float(np.ptp(y)), 1e-12)
        return np.where(violations > 0, y.min() - span * np.minimum(1.0, 0.1 + violations), y)

    def _fit(self, y: np.ndarray | None = None) -> GaussianProcessRegressor:
        y = self.targets() if y is None else y
        n = len(y)
        if self._gp is not None and self._fitted_on == n and np.array_equal(self._fitted_y, y):
            return self._gp
        # Maximising the marginal likelihood costs ~10 likelihood evaluations; once the data
        # is large, one more point barely moves the optimum, so it is re-optimised only after
        # the data grew by `refit_growth` (and otherwise the GP is conditioned on all data
        # with the last hyperparameters).
        optimise = self._optimised_on == 0 or n - self._optimised_on >= self.refit_growth * self._optimised_on
        gp = GaussianProcessRegressor(
            kernel=self._kernel_init,
            normalize_y=True,
            optimizer=self._lbfgs if optimise else None,
            n_restarts_optimizer=self.n_restarts,
            random_state=int(self.rng.integers(2**31)) if self.n_restarts else None,
        )
        with warnings.catch_warnings():
            # hyperparameters at a bound are expected on small data; the fit is still usable
            warnings.simplefilter("ignore", ConvergenceWarning)
            gp.fit(self._X[:n], y)
        self._kernel_init = gp.kernel_  # warm start for the next fit
        if optimise:
            self._optimised_on = n
        self._gp, self._fitted_on, self._fitted_y = gp, n, y
        return gp

    def _lbfgs(self, obj_func, initial_theta, bounds):
        """scikit-learn's default optimiser (L-BFGS-B on the log marginal likelihood) with an
        iteration cap: warm-started from the previous optimum it converges in a few steps."""
        result = minimize(
            obj_func, initial_theta, method="L-BFGS-B", jac=True, bounds=bounds, options={"maxiter": self.max_iter}
        )
        return result.x, result.fun

    # -- candidates ----------------------------------------------------------------------
    def _excluded(self, key: str) -> bool:
        return key in self._pending or self.is_seen(key)

    def _candidates(self) -> list[tuple[str, object]]:
        space, rng = self.space, self.rng
        order = np.argsort(-self.targets(), kind="stable")
        parents = [self._archs[i] for i in order[: self.n_parents]]
        n_mut = self.n_candidates - self.n_random_candidates
        found: dict[str, object] = {}
        for i in range(n_mut):
            arch = space.mutate(parents[i % len(parents)], rng)
            if rng.random() < 0.5:
                arch = space.mutate(arch, rng)
            found.setdefault(space.key(arch), arch)
        for _ in range(self.n_random_candidates):
            arch = space.sample(rng)
            found.setdefault(space.key(arch), arch)
        return [(k, a) for k, a in found.items() if not self._excluded(k)]

    # -- ask/tell ------------------------------------------------------------------------
    def _ask(self):
        arch = self._propose()
        self._pending.add(self.key_of(arch))
        return arch

    def _propose(self):
        if len(self._y) < max(self.n_initial, 2):
            return self._random_unexcluded()
        y = self.targets()
        candidates = self._candidates()
        if not candidates:  # every candidate known or pending: let a random sample explore
            return self._random_unexcluded()
        # one BLAS thread: these matrices are small, and threads only fight the other runs
        # (and each other) for the cores, which makes a fit many times slower under load
        with _blas_threadpools().limit(limits=1, user_api="blas"):
            gp = self._fit(y)
            mean, std = gp.predict(self.space.encode_many([a for _, a in candidates]), return_std=True)
        scores = log_expected_improvement(mean, std, float(y.max()))
        key, arch = candidates[int(np.argmax(scores))]
        self._key_memo[arch] = key  # known already: spare key_of the work
        return arch

    def _random_unexcluded(self, tries: int = 100):
        for _ in range(tries):
            arch = self.space.sample(self.rng)
            if not self._excluded(self.key_of(arch)):
                return arch
        return arch  # a (nearly) exhausted space; the dedupe fallback takes over

    def _discard(self, proposal) -> None:
        self._pending.release(self.key_of(proposal))

    def _tell(self, arch, feedback: Feedback) -> None:
        self._pending.release(self.key_of(arch))
        n = len(self._y)
        if n == len(self._X):
            self._X = np.concatenate([self._X, np.empty_like(self._X)])
        self._X[n] = self.space.encode(arch)
        self._archs.append(arch)
        self._y.append(float(feedback.valid))
        self._violations.append(float(feedback.violation))
