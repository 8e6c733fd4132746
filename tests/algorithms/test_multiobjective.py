"""Multi-objective strategies and feasible-first constraint handling."""

from __future__ import annotations

import numpy as np
import pytest

from algorithms import load_strategy
from algorithms.base import Feedback
from algorithms.bayesian_optimisation import BayesianOptimisation
from algorithms.local_search import LocalSearch
from algorithms.mo_regularized_evolution import MORegularizedEvolution
from algorithms.nsga2 import NSGA2
from algorithms.parego import ParEGO
from algorithms.pareto_ranking import crowding_distance, feasible_first_ranks, losses_of, pareto_ranks
from algorithms.regularized_evolution import RegularizedEvolution
from benchlab.pareto.constraints import Constraint
from benchlab.pareto.problem import build_problem
from benchlab.run.simulator import Budget, simulate
from tests.toy import make_toy_multiobjective


@pytest.fixture(scope="module")
def bench():
    return make_toy_multiobjective()


def fb(*losses, violation=0.0):
    return Feedback(-losses[0], 1.0, None, tuple(losses), violation)


def test_ranks_and_crowding_by_hand():
    losses = np.array([(0, 3), (1, 1), (3, 0), (2, 2), (3, 3)], dtype=float)
    np.testing.assert_array_equal(pareto_ranks(losses), [0, 0, 0, 1, 2])
    # feasible: (0,3), (3,0), (2,2) are mutually non-dominated; then violations 0.1 < 0.5
    np.testing.assert_array_equal(feasible_first_ranks(losses, [0, 0.5, 0, 0, 0.1]), [0, 2, 0, 0, 1])
    front = losses[[0, 1, 2]]
    # the middle point's box spans (3 - 0)/3 in f1 and (3 - 0)/3 in f2: distance 2
    np.testing.assert_allclose(crowding_distance(front), [np.inf, 2.0, np.inf])
    assert losses_of(Feedback(0.9, 1.0)) == (-0.9,)


def test_nsga2_survivors_are_the_best_fronts(bench):
    strategy = NSGA2(bench.space, np.random.default_rng(0), population_size=4, dedupe=False)
    archs = [bench.space.sample(np.random.default_rng(i)) for i in range(8)]
    losses = [(0, 3), (1, 1), (3, 0), (2, 2), (5, 5), (0.5, 2), (4, 4), (6, 6)]
    for arch, point in zip(archs, losses):
        strategy.ask()
        strategy.tell(arch, fb(*point))
    kept = {tuple(losses) for _, losses, _ in strategy.parents}
    assert kept == {(0, 3), (1, 1), (3, 0), (0.5, 2)}  # the first front of the 8, all four


def test_nsga2_children_come_from_crossover_and_mutation(bench, monkeypatch):
    strategy = NSGA2(bench.space, np.random.default_rng(1), population_size=3, crossover_probability=1.0)
    for i in range(3):
        strategy.tell(strategy.ask(), fb(i, 3 - i))
    calls = []
    monkeypatch.setattr(bench.space, "crossover", lambda a, b, rng: calls.append("x") or a)
    strategy.ask()
    assert calls == ["x"]


def test_mo_re_tournament_picks_a_non_dominated_member(bench):
    strategy = MORegularizedEvolution(bench.space, np.random.default_rng(0), population_size=3, sample_size=3,
                                      dedupe=False)
    archs = [(0, 0, 0, 0), (4, 4, 4, 4), (2, 2, 2, 2)]
    for arch, point in zip(archs, [(1, 1), (0, 0), (2, 2)]):
        strategy.tell(arch, fb(*point))
    mutated_from = []
    original = bench.space.mutate
    bench.space.mutate = lambda arch, rng: mutated_from.append(arch) or original(arch, rng)
    try:
        for _ in range(5):
            strategy.ask()
    finally:
        bench.space.mutate = original
    assert mutated_from == [(4, 4, 4, 4)] * 5
    strategy.tell((1, 1, 1, 1), fb(3, 3))  # the oldest member dies
    assert [a for a, _, _ in strategy.population] == [(4, 4, 4, 4), (2, 2, 2, 2), (1, 1, 1, 1)]


def test_parego_models_an_augmented_chebyshev_scalar(bench):
    strategy = ParEGO(bench.space, np.random.default_rng(0), rho=0.1)
    for arch, point in zip([(0, 0, 0, 0), (1, 1, 1, 1), (2, 2, 2, 2)], [(0.0, 10.0), (1.0, 0.0), (0.5, 5.0)]):
        strategy.tell(arch, fb(*point))
    strategy._weights = np.array([0.25, 0.75])
    # normalised: (0, 1), (1, 0), (0.5, 0.5); max(w z) + 0.1 * sum(w z)
    expected = [0.75 + 0.1 * 0.75, 0.25 + 0.1 * 0.25, 0.375 + 0.1 * 0.5]
    np.testing.assert_allclose(strategy.targets(), -np.array(expected))
    strategy.tell((3, 3, 3, 3), fb(0.0, 0.0, violation=0.2))
    assert strategy.targets()[-1] < strategy.targets()[:3].min()  # feasible first


def test_bo_targets_put_infeasible_results_below_feasible_ones(bench):
    strategy = BayesianOptimisation(bench.space, np.random.default_rng(0))
    for arch, valid, violation in [((0, 0, 0, 0), 0.9, 0.5), ((1, 1, 1, 1), 0.5, 0.0), ((2, 2, 2, 2), 0.6, 0.1)]:
        strategy.tell(arch, Feedback(valid, 1.0, None, (), violation))
    targets = strategy.targets()
    assert targets[1] == 0.5 and targets[0] < targets[2] < targets[1]


def test_constrained_re_prefers_any_feasible_member(bench):
    strategy = RegularizedEvolution(bench.space, np.random.default_rng(0), population_size=2, sample_size=5)
    strategy.tell((0, 0, 0, 0), Feedback(0.99, 1.0, None, (), 0.3))
    strategy.tell((1, 1, 1, 1), Feedback(0.10, 1.0, None, (), 0.0))
    assert strategy._tournament_winner() == (1, 1, 1, 1)
    strategy.tell((2, 2, 2, 2), Feedback(0.5, 1.0, None, (), 0.0))  # the infeasible member dies
    assert strategy._infeasible == 0 and strategy._tournament_winner() == (2, 2, 2, 2)


def test_constrained_local_search_climbs_to_feasible_cells(bench):
    limit = float(np.quantile(bench.table.params, 0.2))
    problem = build_problem(bench, (), (Constraint("params", "<=", limit),))
    strategy = LocalSearch(bench.space, np.random.default_rng(0))
    result = simulate(bench, strategy, Budget(queries=120), np.random.default_rng(1), problem=problem)
    assert result.extra["found_feasible"]
    assert all(score[0] == 0 for _, score in strategy.local_optima[:3])  # climbs end feasible


@pytest.mark.parametrize("name", ["mo-rs", "nsga2", "mo-re", "parego"])
def test_multiobjective_strategies_run_two_and_three_objectives_with_constraints(bench, name):
    limit = float(np.quantile(bench.table.params, 0.5))
    for objectives in [("valid", "params"), ("valid", "params", "latency")]:
        problem = build_problem(bench, objectives, (Constraint("params", "<=", limit),))
        strategy = load_strategy(name)(bench.space, np.random.default_rng(0))
        result = simulate(bench, strategy, Budget(queries=40), np.random.default_rng(1), problem=problem)
        assert len(result) == 40 and np.isfinite(result.columns["hv_regret"][-1])
