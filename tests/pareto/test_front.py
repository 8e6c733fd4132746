"""True Pareto fronts of the shipped tables equal a brute-force non-dominated filter."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from benchlab.benchmarks import registry
from benchlab.errors import ConfigError
from benchlab.pareto.front import compute_front, nondominated
from tests.toy import make_toy_benchmark


def brute_force_nondominated(losses: np.ndarray) -> np.ndarray:
    """O(n^2): a row is kept when no other row is <= in every objective and < in one."""
    keep = np.ones(len(losses), dtype=bool)
    for i, point in enumerate(losses):
        dominated_by = (losses <= point).all(axis=1) & (losses < point).any(axis=1)
        keep[i] = not dominated_by.any()
    return keep


def shipped_names() -> list[str]:
    return [e.name for e in registry.entries().values() if e.data_present() and not e.name.startswith("nb101")]


def objective_sets(bench) -> list[tuple[str, ...]]:
    directed = [o.name for o in bench.objectives if o.direction is not None]
    pairs = [("valid", other) for other in directed if other != "valid"]
    triples = [c for c in combinations(directed, 3) if c[0] == "valid"][:1]
    return pairs + triples


@pytest.mark.slow
@pytest.mark.parametrize("name", shipped_names())
def test_true_front_equals_brute_force_on_every_shipped_table(name):
    bench = registry.get_benchmark(name)
    for names in objective_sets(bench):
        front = bench.pareto_front(names)
        values = bench.objective_means(names)
        usable = ~np.isnan(values).any(axis=1)
        losses = values * front.senses
        on_front = np.zeros(len(values), dtype=bool)
        on_front[front.rows] = True
        # every listed cell is dominated by no cell ...
        for row in front.rows:
            dominated_by = (losses[usable] <= losses[row]).all(axis=1) & (losses[usable] < losses[row]).any(axis=1)
            assert not dominated_by.any(), (name, names, row)
        # ... and every other usable cell is dominated by a listed one: together, the exact front
        dominated = np.zeros(len(values), dtype=bool)
        for point in losses[front.rows]:
            dominated |= (losses >= point).all(axis=1) & (losses > point).any(axis=1)
        assert np.all(dominated[usable & ~on_front]), (name, names)
        np.testing.assert_array_equal(front.points, values[front.rows])
        # the O(n^2) filter on a sample agrees with the filter the fronts use
        rng = np.random.default_rng(0)
        sample = rng.choice(np.flatnonzero(usable), size=min(800, usable.sum()), replace=False)
        np.testing.assert_array_equal(nondominated(losses[sample]), brute_force_nondominated(losses[sample]))


def test_front_is_cached_beside_the_table_and_reread(tmp_path, monkeypatch):
    monkeypatch.setenv("BENCHLAB_DATA_DIR", str(tmp_path))
    bench = make_toy_benchmark()
    bench.table.params = np.arange(len(bench), dtype=float)[::-1].copy()
    bench._checksum = None
    first = bench.pareto_front(("valid", "params"))
    files = list((tmp_path / "tables" / "fronts").glob("*.npz"))
    assert len(files) == 1 and "valid-params" in files[0].name
    fresh = make_toy_benchmark()
    fresh.table.params = bench.table.params
    again = fresh.pareto_front(("valid", "params"))
    np.testing.assert_array_equal(first.rows, again.rows)
    assert again is fresh.pareto_front(("valid", "params"))  # in memory after the first read


def test_front_keeps_every_cell_of_a_duplicated_front_point():
    bench = make_toy_benchmark()
    bench.table.params = np.ones(len(bench))  # every cell the same size: the front is the best valid
    front = compute_front(bench, ("valid", "params"))
    best = bench.objective_means(("valid",))[:, 0].max()
    assert np.all(front.points[:, 0] == best) and len(front.rows) == np.sum(bench.valid_mean[:, -1] == best)


def test_front_of_feasible_cells_only():
    bench = make_toy_benchmark()
    bench.table.params = np.arange(len(bench), dtype=float)
    feasible = bench.table.params < 100
    front = compute_front(bench, ("valid", "params"), feasible)
    assert np.all(front.rows < 100) and len(front.rows) > 0


def test_a_direction_less_objective_has_no_front():
    bench = make_toy_benchmark()
    bench.table.train = bench.table.valid - 0.01
    with pytest.raises(ConfigError, match="'train' has no direction"):
        bench.pareto_front(("valid", "train"))
