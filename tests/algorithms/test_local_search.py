"""Local search: best-improvement moves after a full neighbourhood, restarts at local optima."""

from __future__ import annotations

import numpy as np
import pytest

from algorithms.base import Feedback
from algorithms.local_search import LocalSearch
from tests.algorithms.loop import run_loop
from tests.toy import make_toy_benchmark, make_toy_space


def _tell_score(strategy, arch, score):
    strategy.tell(arch, Feedback(valid=score, cost=1.0))


@pytest.mark.parametrize("first_improvement", [False, True])
@pytest.mark.parametrize("workers", [1, 3])
def test_reaches_the_optimum_of_the_toy_space(first_improvement, workers):
    bench = make_toy_benchmark()
    best_key = bench.table.keys[int(np.argmax(bench.valid_mean[:, -1]))]
    found = 0
    for seed in range(5):
        strategy = LocalSearch(bench.space, np.random.default_rng(seed), first_improvement=first_improvement)
        result = run_loop(bench, strategy, 150, np.random.default_rng(seed), workers=workers)
        found += best_key in result.keys
    assert found >= 4


def test_moves_to_the_best_neighbour_only_after_the_whole_neighbourhood():
    space = make_toy_space(n_dims=3, n_choices=4)
    target = (3, 0, 2)
    score = lambda arch: 1.0 - sum(abs(a - t) for a, t in zip(arch, target)) / 9  # noqa: E731
    strategy = LocalSearch(space, np.random.default_rng(0))
    start = strategy.ask()
    _tell_score(strategy, start, score(start))
    neighbours = {space.key(a) for a in space.neighbours(start)}
    asked = []
    for _ in range(len(neighbours)):
        arch = strategy.ask()
        asked.append(space.key(arch))
        _tell_score(strategy, arch, score(arch))
        if len(asked) < len(neighbours):
            assert strategy._current[0] == start  # no move before every neighbour is in
    assert set(asked) == neighbours
    best = max(space.neighbours(start), key=score)
    assert strategy._current[0] == best or score(start) >= score(best)


def test_restarts_from_a_random_point_at_a_local_optimum():
    space = make_toy_space(n_dims=2, n_choices=3)
    strategy = LocalSearch(space, np.random.default_rng(0))
    flat = 0.5  # a plateau: every start is a local optimum
    for _ in range(1 + len(space.neighbours((0, 0)))):
        _tell_score(strategy, strategy.ask(), flat)
    assert len(strategy.local_optima) == 1 and strategy._current is None
    restart = strategy.ask()
    assert strategy._start_key == space.key(restart)


def test_known_neighbours_are_not_queried_again_with_dedupe():
    bench = make_toy_benchmark()
    strategy = LocalSearch(bench.space, np.random.default_rng(2))
    result = run_loop(bench, strategy, 150, np.random.default_rng(2))
    assert len(set(result.keys)) == len(result.keys)
    assert strategy.local_optima  # it climbed to at least one optimum and restarted


def test_without_dedupe_the_literal_algorithm_requeries_neighbours():
    bench = make_toy_benchmark()
    strategy = LocalSearch(bench.space, np.random.default_rng(2), dedupe=False)
    result = run_loop(bench, strategy, 150, np.random.default_rng(2))
    assert len(set(result.keys)) < len(result.keys)


def test_asks_beyond_the_pending_neighbourhood_are_valid_samples():
    space = make_toy_space(n_dims=3, n_choices=3)  # 6 neighbours per point
    strategy = LocalSearch(space, np.random.default_rng(0))
    start = strategy.ask()
    extra_while_start_pending = strategy.ask()
    _tell_score(strategy, start, 0.5)
    asked = [strategy.ask() for _ in range(10)]  # more asks than neighbours
    assert all(space.is_valid(a) for a in asked + [extra_while_start_pending])
    assert len(strategy._awaiting) == len(space.neighbours(start))
    for arch in asked:
        _tell_score(strategy, arch, 0.4)
    _tell_score(strategy, extra_while_start_pending, 0.9)
    assert strategy.local_optima and strategy.local_optima[-1][0] == start
