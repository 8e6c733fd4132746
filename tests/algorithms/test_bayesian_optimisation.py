"""Bayesian optimisation: a stable Expected Improvement, distinct parallel proposals."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from algorithms.base import Feedback
from algorithms.bayesian_optimisation import BayesianOptimisation, log_expected_improvement, log_h
from algorithms.random_search import RandomSearch
from benchlab.errors import InvalidArchitectureError
from tests.algorithms.loop import run_loop
from tests.toy import make_toy_benchmark


def _naive_ei(mean, std, best):
    z = (mean - best) / std
    return std * (z * norm.cdf(z) + norm.pdf(z))


def test_ei_prefers_higher_mean_at_equal_uncertainty():
    scores = log_expected_improvement(np.array([0.5, 0.6, 0.7]), np.full(3, 0.05), best=0.65)
    assert scores[0] < scores[1] < scores[2]


def test_ei_prefers_higher_uncertainty_at_equal_mean():
    scores = log_expected_improvement(np.full(3, 0.6), np.array([0.01, 0.05, 0.2]), best=0.65)
    assert scores[0] < scores[1] < scores[2]


def test_log_ei_matches_the_textbook_formula_where_that_is_accurate():
    mean = np.linspace(-3, 3, 61)
    std = np.full_like(mean, 0.7)
    np.testing.assert_allclose(np.exp(log_expected_improvement(mean, std, 0.2)), _naive_ei(mean, std, 0.2), rtol=1e-9)


def test_log_ei_stays_finite_and_monotone_far_below_the_incumbent():
    z = -np.logspace(-3, 12, 400)  # naive EI underflows to 0 (log -inf) below z ~ -38
    values = log_h(z)
    assert np.all(np.isfinite(values))
    assert np.all(np.diff(values) < 0)
    with np.errstate(divide="ignore"):
        assert np.isneginf(np.log(_naive_ei(z[-1], 1.0, 0.0)))
    # continuity across the branch points of the piecewise form
    for edge in (-1.0, -1 / np.sqrt(np.finfo(float).eps)):
        left, right = log_h(np.array([edge * (1 + 1e-9), edge * (1 - 1e-9)]))
        assert abs(left - right) < 1e-6 * max(1.0, abs(left))


def test_ei_with_zero_uncertainty():
    scores = log_expected_improvement(np.array([0.7, 0.5]), np.zeros(2), best=0.6)
    assert np.isclose(scores[0], np.log(0.1)) and np.isneginf(scores[1])


def _warm(bench, strategy, n, rng):
    for _ in range(n):
        arch = strategy.ask()
        obs = bench.query(arch, rng)
        strategy.tell(arch, Feedback(valid=obs.valid, cost=obs.cost))


@pytest.mark.parametrize("dedupe", [True, False])
def test_parallel_asks_never_repeat_a_pending_architecture(dedupe):
    bench = make_toy_benchmark()
    strategy = BayesianOptimisation(bench.space, np.random.default_rng(0), dedupe=dedupe)
    _warm(bench, strategy, 15, np.random.default_rng(1))
    keys = [bench.space.key(strategy.ask()) for _ in range(30)]
    assert len(set(keys)) == len(keys)


def test_first_proposals_are_random_then_model_based():
    bench = make_toy_benchmark()
    strategy = BayesianOptimisation(bench.space, np.random.default_rng(0), n_initial=5, random_interleave=0)
    _warm(bench, strategy, 5, np.random.default_rng(1))
    assert strategy._gp is None  # no model for the initial design
    strategy.ask()
    assert strategy._gp is not None and strategy._fitted_on == 5


@pytest.mark.parametrize("probability", [0.0, 0.3, 1.0])
def test_random_interleaving_replaces_that_share_of_model_based_asks(probability):
    bench = make_toy_benchmark()
    strategy = BayesianOptimisation(bench.space, np.random.default_rng(0), n_initial=5, random_interleave=probability)
    _warm(bench, strategy, 5, np.random.default_rng(1))
    fits = []
    original = strategy._scored_candidates
    strategy._scored_candidates = lambda y: fits.append(len(y)) or original(y)
    _warm(bench, strategy, 200, np.random.default_rng(2))
    share_random = 1 - len(fits) / 200
    assert share_random == probability if probability in (0.0, 1.0) else 0.2 < share_random < 0.4


@pytest.mark.parametrize("kernel", ["hamming", "matern"])
@pytest.mark.parametrize("candidate_moves", ["decisions", "space"])
def test_proposal_maximises_expected_improvement_over_the_candidates(kernel, candidate_moves):
    bench = make_toy_benchmark()
    strategy = BayesianOptimisation(bench.space, np.random.default_rng(0), kernel=kernel,
                                    candidate_moves=candidate_moves, acquisition_steps=1)
    _warm(bench, strategy, 20, np.random.default_rng(1))
    seen = []
    original = strategy._scored_candidates
    strategy._scored_candidates = lambda y: seen.append(original(y)) or seen[-1]
    arch = strategy.ask()
    rows, archs, scores = seen[0]
    if archs is None:
        archs = [bench.space.from_decisions(r) for r in rows]
    assert len(set(archs)) == len(archs) == len(scores)
    if kernel == "hamming":
        mean, std = strategy._gp.predict(np.array([bench.space.to_decisions(a) for a in archs]))
    else:
        mean, std = strategy._gp.predict(bench.space.encode_many(archs), return_std=True)
    np.testing.assert_allclose(scores, log_expected_improvement(mean, std, max(strategy._y)))
    fresh = [i for i, a in enumerate(archs) if not strategy.is_seen(bench.space.key(a)) or a == arch]
    assert arch == archs[max(fresh, key=lambda i: scores[i])]


def test_decision_candidates_are_neither_evaluated_nor_repeated():
    bench = make_toy_benchmark()
    strategy = BayesianOptimisation(bench.space, np.random.default_rng(0))
    _warm(bench, strategy, 30, np.random.default_rng(1))
    rows, archs = strategy._candidates(strategy.targets())
    assert archs is None and len({tuple(r) for r in rows}) == len(rows)
    evaluated = {tuple(bench.space.to_decisions(a)) for a in strategy._archs}
    assert not evaluated & {tuple(r) for r in rows}
    best = strategy._archs[int(np.argmax(strategy._y))]
    neighbours = {tuple(bench.space.to_decisions(a)) for a in bench.space.neighbours(best)}
    assert neighbours - evaluated <= {tuple(r) for r in rows}  # the incumbent's whole neighbourhood


class _HalfValidSpace(type(make_toy_benchmark().space)):
    """The toy space where a first decision of 0 describes no architecture."""

    def validate(self, arch):
        super().validate(arch)
        if arch[0] == 0:
            raise InvalidArchitectureError("toy: x0 = 0 is no architecture")

    def from_decisions(self, decisions):
        arch = super().from_decisions(decisions)
        self.validate(arch)
        return arch

    def sample(self, rng):
        while not self.is_valid(arch := super().sample(rng)):
            pass
        return arch

    def mutate(self, arch, rng):
        while not self.is_valid(child := super().mutate(arch, rng)):
            pass
        return child


def test_candidate_rows_that_describe_no_architecture_are_never_proposed():
    toy = make_toy_benchmark().space
    space = _HalfValidSpace(toy.dimensions, name="toy")
    strategy = BayesianOptimisation(space, np.random.default_rng(0), n_initial=3, acquisition_steps=1)
    rng = np.random.default_rng(1)
    for _ in range(40):
        arch = strategy.ask()
        space.validate(arch)
        # scores favour the invalid region's border, so its rows rank high
        strategy.tell(arch, Feedback(valid=1.0 - 0.1 * arch[0] + 0.01 * rng.random(), cost=1.0))
    assert sum(strategy._decode(r) is None for r in strategy._candidates(strategy.targets())[0]) > 0


def test_the_hamming_kernel_learns_which_decisions_matter():
    from algorithms.hamming_gp import HammingGP

    rng = np.random.default_rng(0)
    X = rng.integers(5, size=(60, 6))
    y = (X[:, 0] == 3) + 0.5 * (X[:, 2] == 1) + rng.normal(0, 0.05, 60)
    gp = HammingGP((5,) * 6).fit(X, y, optimise=True)
    relevant, irrelevant = gp.weights[[0, 2]], np.delete(gp.weights, [0, 2])
    assert relevant.min() > 3 * irrelevant.max()
    mean, std = gp.predict(X[:10])
    assert np.allclose(mean, y[:10], atol=0.2) and np.all(std < 0.5)


def test_bo_beats_random_search_on_the_toy_benchmark():
    bench = make_toy_benchmark()
    bo, rs = [], []
    for seed in range(4):
        strategy = BayesianOptimisation(bench.space, np.random.default_rng(seed))
        bo.append(run_loop(bench, strategy, 40, np.random.default_rng(seed)).regret(bench))
        strategy = RandomSearch(bench.space, np.random.default_rng(seed))
        rs.append(run_loop(bench, strategy, 40, np.random.default_rng(seed)).regret(bench))
    assert np.mean(bo) < np.mean(rs)
