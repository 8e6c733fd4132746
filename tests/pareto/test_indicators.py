"""Indicators of small hand-made sets equal hand computations."""

from __future__ import annotations

import numpy as np
import pytest

from benchlab.pareto.indicators import attainment_surface, hypervolume, igd_plus


def test_hypervolume_of_a_staircase_by_hand():
    points = [(1, 3), (2, 2), (3, 1)]
    # slabs: x in [1,2) height 4-3=1, [2,3) height 2, [3,4) height 3  => 1 + 2 + 3
    assert hypervolume(points, (4, 4)) == pytest.approx(6.0)
    assert hypervolume(points + [(3, 3)], (4, 4)) == pytest.approx(6.0)  # a dominated point adds nothing
    assert hypervolume([], (4, 4)) == 0.0


def test_hypervolume_in_three_dimensions_by_hand():
    assert hypervolume([(0, 0, 0)], (2, 3, 4)) == pytest.approx(24.0)
    assert hypervolume([(1, 0, 0), (0, 1, 0)], (2, 2, 2)) == pytest.approx(4 + 4 - 2)


def test_igd_plus_by_hand():
    front = np.array([(0.0, 1.0), (1.0, 0.0)])
    # distances d+(z, a) = ||max(a - z, 0)||: to (0,1) from (0.5,0.5): (0.5, 0) -> 0.5;
    # to (1,0): (0, 0.5) -> 0.5; mean 0.5
    assert igd_plus([(0.5, 0.5)], front) == pytest.approx(0.5)
    assert igd_plus(front, front) == pytest.approx(0.0)
    # (0, 0) dominates both front points: IGD+ is 0 (no penalty for being better)
    assert igd_plus([(0.0, 0.0)], front) == pytest.approx(0.0)


def test_median_attainment_surface_by_hand():
    runs = [np.array([(1.0, 3.0)]), np.array([(2.0, 2.0)]), np.array([(3.0, 1.0)])]
    best = attainment_surface(runs, 100 / 3)  # attained by at least one run: the union's front
    assert {tuple(p) for p in best} == {(1, 3), (2, 2), (3, 1)}
    median = attainment_surface(runs, 50)  # at least two of three runs
    assert {tuple(p) for p in median} == {(2, 3), (3, 2)}
    worst = attainment_surface(runs, 100)
    assert {tuple(p) for p in worst} == {(3, 3)}
    assert len(attainment_surface(runs + [np.empty((0, 2))] * 3, 100)) == 0
