"""Moves on decision vectors: one change per row, uniform over the changes; set operations on rows."""

from __future__ import annotations

import numpy as np
from scipy.stats import chisquare

from algorithms.decision_moves import DecisionMoves, distinct_unknown

SIZES = (2, 3, 5)


def test_a_change_alters_exactly_one_decision_within_its_range():
    moves = DecisionMoves(SIZES)
    rng = np.random.default_rng(0)
    rows = moves.sample(500, rng)
    assert rows.min() >= 0 and np.all(rows < np.array(SIZES))
    children = moves.change(rows, rng)
    assert np.all((children != rows).sum(axis=1) == 1)
    assert np.all(children < np.array(SIZES)) and children.min() >= 0


def test_changes_are_uniform_over_decision_and_other_value():
    moves = DecisionMoves(SIZES)
    parent = np.array([1, 0, 4])
    children = moves.change(np.repeat(parent[None], 14_000, axis=0), np.random.default_rng(1))
    counts = {}
    for child in map(tuple, children):
        counts[child] = counts.get(child, 0) + 1
    assert set(counts) == {tuple(r) for r in moves.neighbours(parent)}  # every change, nothing else
    assert chisquare(list(counts.values())).pvalue > 1e-3  # 7 changes, equally likely


def test_neighbours_are_every_row_one_change_away():
    moves = DecisionMoves(SIZES)
    parent = np.array([0, 2, 3])
    found = moves.neighbours(parent)
    assert len(found) == moves.n_changes == 1 + 2 + 4 == len({tuple(r) for r in found})
    assert np.all((found != parent).sum(axis=1) == 1)


def test_distinct_unknown_keeps_first_appearances_of_new_rows():
    rows = np.array([[1, 2], [0, 0], [1, 2], [3, 1], [0, 0], [2, 2]])
    known = np.array([[3, 1], [9, 9]])
    np.testing.assert_array_equal(distinct_unknown(rows, known), [[1, 2], [0, 0], [2, 2]])
    np.testing.assert_array_equal(distinct_unknown(rows, known[:0]), [[1, 2], [0, 0], [3, 1], [2, 2]])
