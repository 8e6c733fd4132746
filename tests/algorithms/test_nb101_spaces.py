"""Every strategy runs to budget on the complete small NB101 tables (at most 4 and 5
vertices) and on the full NB101 table when present, never proposing a cell outside the space."""

from __future__ import annotations

import numpy as np
import pytest

from algorithms import STRATEGIES, load_strategy
from tests.acceptance import benchmark_or_skip
from tests.algorithms.loop import run_loop

pytestmark = pytest.mark.slow


def _check_runs(bench, budget: int, workers: int = 3):
    for name in sorted(set(STRATEGIES) - {"zc-warmup"}):  # zc-warmup builds NB201 networks only
        strategy = load_strategy(name)(bench.space, np.random.default_rng(7))
        result = run_loop(bench, strategy, budget, np.random.default_rng(8), workers=workers)
        assert len(result.keys) == budget, name
        for arch in result.archs:
            assert bench.space.is_valid(arch), (name, bench.space.format(arch))
            bench.row_of(arch)  # in the table: the complete tables hold every cell of the space
        if strategy.dedupe:
            assert len(set(result.keys)) == budget, name


@pytest.mark.parametrize("vertices", [4, 5])
def test_strategies_on_the_complete_small_tables(shared_nb101_dir, vertices):
    bench = benchmark_or_skip(f"nb101:{shared_nb101_dir / f'energy_{vertices}V9E.tfrecord'}")
    # the 4-vertex space has 91 cells: deduplicating strategies must enumerate all of it
    _check_runs(bench, budget=min(150, len(bench)))


def test_strategies_on_the_full_table():
    _check_runs(benchmark_or_skip("nb101"), budget=150)
