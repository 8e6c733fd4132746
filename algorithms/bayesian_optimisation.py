"""Bayesian optimisation: a Gaussian process surrogate, Expected Improvement over candidates.

The default surrogate is a GP on the space's decisions with an exponentiated Hamming kernel
and one relevance weight per decision (`algorithms/hamming_gp.py`); the earlier surrogate,
scikit-learn's `GaussianProcessRegressor` with an isotropic Matern or RBF kernel on
`space.encode`, stays available as `kernel="matern"` / `"rbf"`.
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

from algorithms.base import ExcludesPending, Feedback, PendingKeys, Strategy
from algorithms.decision_moves import DecisionMoves, distinct_unknown
from algorithms.hamming_gp import HammingGP
from algorithms.hyperparameters import HyperparameterError, Interval, Options, check_hyperparameters
from benchlab.errors import InvalidArchitectureError
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


class BayesianOptimisation(ExcludesPending, Strategy):
    """GP-EI Bayesian optimisation over a candidate set, BANANAS-style.

    - The first `n_initial` proposals (more precisely: every ask made while fewer than
      `n_initial` results have arrived) are random samples.
    - Surrogate (`kernel`): "hamming" (default), a GP on `space.to_decisions` with kernel
      exp(-sum_d w_d [x_d != y_d]), one weight per decision (automatic relevance
      determination) and a learnt noise, on normalised targets; "matern" / "rbf", the earlier
      scikit-learn GP on `space.encode` with one isotropic length scale. Hyperparameters are
      set by maximum marginal likelihood (L-BFGS warm-started from the previous fit, at most
      `max_iter` iterations; for the scikit-learn kernels `n_restarts` extra random
      restarts), re-optimised whenever the data has grown by the fraction `refit_growth`
      since the last optimisation (with 0.2 about 18 optimisations in a 150-evaluation run);
      between optimisations the GP is conditioned on every result with the latest
      hyperparameters.
    - Candidates (`candidate_moves`): "auto" (default) takes "decisions" where the space is
      the product of its decisions (`space.decisions_are_architectures`: NB201 and the
      categorical spaces) and "space" elsewhere (NB101, NAS-Bench-Graph, whose many decision
      vectors per architecture or invalid ones make uniform decision moves another
      distribution). "decisions": decision rows drawn at once:
      `n_candidates - n_random_candidates` mutations of the `n_parents` best results (one
      or two changes of a decision, uniform over decision and other value),
      `n_random_candidates` uniform decision vectors and, with `neighbour_candidates`,
      every row one change from the best; rows already evaluated or repeated are dropped,
      and a row that describes no architecture (`from_decisions` raises) is skipped when
      reached. "space": the same mix from the space's own `mutate_many` / `sample_many` /
      `neighbours` (the earlier candidates; slower). With `acquisition_steps` > 0 (default
      1; decision rows and the Hamming GP only), that many rounds of local search on
      Expected Improvement add every neighbour of the `n_climbers` best-scoring candidates.
      The candidate with the highest Expected Improvement over the best observed score that
      is neither evaluated nor pending is proposed.
    - Random interleaving (`random_interleave`, default 0.1): each model-based ask is, with
      that probability, a random sample instead (as SMAC interleaves random configurations),
      so a run whose early results sit in a poor region still explores the rest; it costs
      nothing and removes most of the runs that end below random search's median.
    - Never proposes an architecture that is pending (asked, no result yet), so parallel
      workers get distinct proposals; with `dedupe` (on by default) never one already
      evaluated either.

    The first defaults are `kernel="matern", n_candidates=100, n_random_candidates=10,
    neighbour_candidates=False, refit_growth=0.1, candidate_moves="space",
    acquisition_steps=0, random_interleave=0`; the next ones `candidate_moves="space",
    acquisition_steps=0, random_interleave=0` with the rest as now, and the last ones
    `acquisition_steps=0, random_interleave=0`.
    """

    hyperparameter_constraints = {
        "n_initial": Interval(int, 0),
        "n_candidates": Interval(int, 1),
        "n_random_candidates": Interval(int, 0),  # and at most n_candidates, checked in __init__
        "n_parents": Interval(int, 1),
        "neighbour_candidates": bool,
        "kernel": Options("hamming", "matern", "rbf"),
        "n_restarts": Interval(int, 0),
        "max_iter": Interval(int, 1),
        "refit_growth": Interval(float, 0),
        "candidate_moves": Options("auto", "decisions", "space"),
        "acquisition_steps": Interval(int, 0),
        "n_climbers": Interval(int, 1),
        "random_interleave": Interval(float, 0, 1),
    }

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        *,
        n_initial: int = 10,
        n_candidates: int = 100,
        n_random_candidates: int = 30,
        n_parents: int = 10,
        neighbour_candidates: bool = True,
        kernel: str = "hamming",
        n_restarts: int = 0,
        max_iter: int = 20,
        refit_growth: float = 0.2,
        candidate_moves: str = "auto",
        acquisition_steps: int = 1,
        n_climbers: int = 3,
        random_interleave: float = 0.1,
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
        self.neighbour_candidates = bool(neighbour_candidates)
        self.kernel = kernel
        self.n_restarts = int(n_restarts)
        self.max_iter = int(max_iter)
        self.refit_growth = float(refit_growth)
        self.candidate_moves = candidate_moves
        # "auto": decision rows where they are the space's architectures, else its own moves
        self._candidate_moves = (
            ("decisions" if space.decisions_are_architectures else "space") if candidate_moves == "auto" else candidate_moves
        )
        self.acquisition_steps = int(acquisition_steps)
        self.n_climbers = int(n_climbers)
        self.random_interleave = float(random_interleave)
        self._moves = DecisionMoves(space.decision_sizes)

        self._archs: list = []
        self._hamming = kernel == "hamming"
        width = len(space.decision_sizes) if self._hamming else space.encoding_size
        self._X = np.empty((16, width), dtype=np.int64 if self._hamming else float)
        self._y: list[float] = []
        self._violations: list[float] = []  # constraint violation of each result (0: feasible)
        self._pending = PendingKeys()  # asked, result not yet in
        self._gp: GaussianProcessRegressor | HammingGP | None = None
        self._fitted_on = 0  # number of observations the current GP was fitted on
        self._fitted_y = None  # ... and the targets it was fitted to
        self._optimised_on = 0  # ... and the last one whose hyperparameters were optimised
        if self._hamming:
            self._hamming_gp = HammingGP(space.decision_sizes, max_iter=self.max_iter)
        else:
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

    def _fit(self, y: np.ndarray | None = None) -> GaussianProcessRegressor | HammingGP:
        y = self.targets() if y is None else y
        n = len(y)
        if self._gp is not None and self._fitted_on == n and np.array_equal(self._fitted_y, y):
            return self._gp
        # Maximising the marginal likelihood costs ~10 likelihood evaluations; once the data
        # is large, one more point barely moves the optimum, so it is re-optimised only after
        # the data grew by `refit_growth` (and otherwise the GP is conditioned on all data
        # with the last hyperparameters).
        optimise = self._optimised_on == 0 or n - self._optimised_on >= self.refit_growth * self._optimised_on
        if self._hamming:
            gp = self._hamming_gp.fit(self._X[:n], y, optimise=optimise)
            if optimise:
                self._optimised_on = n
            self._gp, self._fitted_on, self._fitted_y = gp, n, y
            return gp
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
    def _candidates(self, y: np.ndarray) -> tuple[np.ndarray | None, list | None]:
        """Distinct candidates as (decision rows, architectures); either may be None, to be
        derived only where needed (decision rows for the Hamming GP, architectures for the
        scikit-learn kernels and, lazily, for the few candidates the proposal step walks)."""
        parents = np.argsort(-y, kind="stable")[: self.n_parents]
        if self._candidate_moves == "space":
            archs = self._space_candidates(parents)
            rows = self.space.decisions_many(archs) if self._hamming else None
            return rows, archs
        rows = self._decision_candidates(parents)
        if self._hamming:
            return rows, None
        archs = [self._decode(r) for r in rows]
        return None, [a for a in archs if a is not None]

    def _decision_rows(self) -> np.ndarray:
        n = len(self._y)
        return self._X[:n] if self._hamming else self.space.decisions_many(self._archs)

    def _decision_candidates(self, parents: np.ndarray) -> np.ndarray:
        """Mutations of the parents as one or two changes of a decision, random samples of
        the space and all neighbours of the best, as decision rows; none already evaluated."""
        known = self._decision_rows()
        n_mutations = self.n_candidates - self.n_random_candidates
        children = self._moves.change(known[parents[np.arange(n_mutations) % len(parents)]], self.rng)
        twice = self.rng.random(n_mutations) < 0.5
        children[twice] = self._moves.change(children[twice], self.rng)
        found = [children]
        if self.n_random_candidates:
            found.append(self._moves.sample(self.n_random_candidates, self.rng))
        if self.neighbour_candidates:
            found.append(self._moves.neighbours(known[parents[0]]))
        return distinct_unknown(np.concatenate(found), known)

    def _decode(self, row: np.ndarray):
        """The architecture a candidate row describes, or None when it describes none."""
        try:
            return self.space.from_decisions(row)
        except InvalidArchitectureError:
            return None

    def _space_candidates(self, parents: np.ndarray) -> list:
        """Distinct candidate architectures from the space's own moves (by value; their keys
        are computed only for the few the proposal step looks at, as a key can cost more than
        scoring)."""
        space, rng = self.space, self.rng
        n_mutations = self.n_candidates - self.n_random_candidates
        found = space.mutate_many([self._archs[parents[i % len(parents)]] for i in range(n_mutations)], rng)
        twice = np.flatnonzero(rng.random(n_mutations) < 0.5).tolist()
        for i, child in zip(twice, space.mutate_many([found[i] for i in twice], rng)):
            found[i] = child
        found.extend(space.sample_many(self.n_random_candidates, rng))
        if self.neighbour_candidates:
            found.extend(space.neighbours(self._archs[parents[0]]))
        return list(dict.fromkeys(found))

    # -- ask/tell (ExcludesPending's _ask marks each proposal pending) ---------------------
    def _propose(self):
        if len(self._y) < max(self.n_initial, 2):
            return self._random_unexcluded()
        if self.random_interleave and self.rng.random() < self.random_interleave:
            return self._random_unexcluded()
        found = self._scored_candidates(self.targets())
        if found is not None:
            rows, archs, scores = found
            for i in np.argsort(-scores, kind="stable"):  # the best candidate neither evaluated nor pending
                arch = archs[i] if archs is not None else self._decode(rows[i])
                if arch is not None and not self._excluded(self.key_of(arch)):
                    return arch
        return self._random_unexcluded()  # every candidate known or pending: let a random sample explore

    def _scored_candidates(self, y: np.ndarray):
        """(decision rows, architectures, log EI) of the candidates (rows or architectures None
        where not needed, see `_candidates`), or None when there are no candidates."""
        rows, archs = self._candidates(y)
        if not len(archs if archs is not None else rows):
            return None
        best = float(y.max())
        # one BLAS thread: these matrices are small, and threads only fight the other runs
        # (and each other) for the cores, which makes a fit many times slower under load
        with _blas_threadpools().limit(limits=1, user_api="blas"):
            gp = self._fit(y)
            if not self._hamming:
                return rows, archs, log_expected_improvement(*gp.predict(self.space.encode_many(archs), return_std=True), best)
            scores = log_expected_improvement(*gp.predict(rows), best)
            if archs is None:
                rows, scores = self._climb(gp, rows, scores, best)
        return rows, archs, scores

    def _climb(self, gp: HammingGP, rows: np.ndarray, scores: np.ndarray, best: float):
        """Local search on Expected Improvement: `acquisition_steps` times, the neighbours of
        the `n_climbers` best-scoring rows join the candidates."""
        known = self._decision_rows()
        for _ in range(self.acquisition_steps):
            top = rows[np.argsort(-scores, kind="stable")[: self.n_climbers]]
            new = distinct_unknown(np.concatenate([self._moves.neighbours(r) for r in top]), np.concatenate([known, rows]))
            if not len(new):
                break
            rows = np.concatenate([rows, new])
            scores = np.concatenate([scores, log_expected_improvement(*gp.predict(new), best)])
        return rows, scores

    def _tell(self, arch, feedback: Feedback) -> None:
        self._pending.release(self.key_of(arch))
        n = len(self._y)
        if n == len(self._X):
            self._X = np.concatenate([self._X, np.empty_like(self._X)])
        self._X[n] = self.space.to_decisions(arch) if self._hamming else self.space.encode(arch)
        self._archs.append(arch)
        self._y.append(float(feedback.valid))
        self._violations.append(float(feedback.violation))
