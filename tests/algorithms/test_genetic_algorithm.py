"""Genetic algorithm: generations, selection, variation, elitism, inherited clones."""

from __future__ import annotations

import numpy as np
import pytest

from algorithms.base import Feedback
from algorithms.genetic_algorithm import GeneticAlgorithm
from tests.toy import make_toy_space


def _score(arch) -> float:
    return sum(arch) / 16.0  # the toy space's best cell is (4, 4, 4, 4)


def _generations(strategy, n: int) -> None:
    for _ in range(n):
        arch = strategy.ask()
        strategy.tell(arch, Feedback(valid=_score(arch), cost=1.0))


def test_generation_zero_is_random_and_completes_after_population_size_results():
    strategy = GeneticAlgorithm(make_toy_space(), np.random.default_rng(0), population_size=6)
    _generations(strategy, 5)
    assert strategy.generation == 0 and strategy.population == []
    _generations(strategy, 1)
    assert strategy.generation == 1 and len(strategy.population) == 6


def test_elite_survives_into_the_next_generation():
    strategy = GeneticAlgorithm(make_toy_space(), np.random.default_rng(1), population_size=8, elitism=2)
    _generations(strategy, 8)
    best_two = sorted(strategy.population, key=lambda m: -m[1])[:2]
    _generations(strategy, 40)  # enough tells to complete at least one more generation
    while strategy._children:  # finish the generation being filled
        _generations(strategy, 1)
    before = strategy.population
    scores = [s for _, s in before]
    assert len(before) == 8
    assert max(scores) >= best_two[0][1]  # the best never gets lost


def test_generation_holds_elites_then_children_in_arrival_order():
    strategy = GeneticAlgorithm(make_toy_space(), np.random.default_rng(2), population_size=4, elitism=1,
                                mutation_rate=1.0)
    _generations(strategy, 4)
    best = max(strategy.population, key=lambda m: m[1])
    told = []
    for _ in range(3):
        arch = strategy.ask()
        told.append((arch, _score(arch)))
        strategy.tell(arch, Feedback(valid=_score(arch), cost=1.0))
    assert strategy.population == [best] + told


def test_large_tournament_always_picks_the_best_member():
    strategy = GeneticAlgorithm(make_toy_space(), np.random.default_rng(3), population_size=5,
                                selection="tournament", tournament_size=200)
    _generations(strategy, 5)
    best = int(np.argmax([s for _, s in strategy.population]))
    assert {strategy._select() for _ in range(50)} == {best}


def test_proportional_selection_never_picks_the_worst_and_follows_the_weights():
    strategy = GeneticAlgorithm(make_toy_space(), np.random.default_rng(4), population_size=3)
    for arch, score in [((0, 0, 0, 0), 0.2), ((1, 0, 0, 0), 0.4), ((2, 0, 0, 0), 0.8)]:
        strategy.tell(arch, Feedback(valid=score, cost=1.0))
    picks = np.bincount([strategy._select() for _ in range(6000)], minlength=3) / 6000
    np.testing.assert_allclose(picks, [0.0, 0.25, 0.75], atol=0.02)  # weights 0, 0.2, 0.6


def test_equal_scores_make_the_roulette_uniform():
    strategy = GeneticAlgorithm(make_toy_space(), np.random.default_rng(5), population_size=4)
    for i in range(4):
        strategy.tell((i, 0, 0, 0), Feedback(valid=0.5, cost=1.0))
    picks = np.bincount([strategy._select() for _ in range(4000)], minlength=4) / 4000
    np.testing.assert_allclose(picks, 0.25, atol=0.03)


def test_crossover_children_take_every_decision_from_a_parent():
    strategy = GeneticAlgorithm(make_toy_space(), np.random.default_rng(6), population_size=400, elitism=0,
                                selection="tournament", tournament_size=1,  # uniform parents
                                crossover_rate=1.0, mutation_rate=0.0)
    a, b = (0, 0, 0, 0), (4, 4, 4, 4)
    for i in range(400):  # a generation of two distinct parents, many times over
        strategy.tell(a if i % 2 else b, Feedback(valid=0.1 if i % 2 else 0.9, cost=1.0))
    for _ in range(20):
        child = strategy.ask()
        assert all(x in (0, 4) for x in child) and child not in (a, b)  # clones are inherited, not asked
    assert strategy.inherited > 0 and strategy.generation == 1


def test_an_unchanged_child_inherits_its_parents_score_without_a_query():
    strategy = GeneticAlgorithm(make_toy_space(), np.random.default_rng(7), population_size=4,
                                crossover_rate=0.0, mutation_rate=0.0, max_clone_draws=10)
    _generations(strategy, 4)
    parents = set(a for a, _ in strategy.population)
    before = strategy.inherited
    arch = strategy.ask()  # every child is a clone: after max_clone_draws the clone is proposed
    assert arch in parents or arch in {a for a, _ in strategy.population}
    assert strategy.inherited - before == 10 and strategy.counts() == {"inherited": strategy.inherited}
    assert strategy.generation >= 2  # inherited children completed whole generations


def test_nan_scores_never_win_a_tournament():
    strategy = GeneticAlgorithm(make_toy_space(), np.random.default_rng(8), population_size=2,
                                selection="tournament", tournament_size=50)
    strategy.tell((1, 1, 1, 1), Feedback(valid=float("nan"), cost=1.0))
    strategy.tell((2, 2, 2, 2), Feedback(valid=0.3, cost=1.0))
    assert {strategy._select() for _ in range(20)} == {1}


@pytest.mark.parametrize("params", [
    {"population_size": 1}, {"selection": "rank"}, {"tournament_size": 0}, {"crossover_rate": 1.5},
    {"mutation_rate": -0.1}, {"elitism": 20},
])
def test_bad_hyperparameters_are_rejected(params):
    with pytest.raises(ValueError):
        GeneticAlgorithm(make_toy_space(), np.random.default_rng(0), **params)
