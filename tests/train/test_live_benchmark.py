import numpy as np
import pytest

from algorithms.random_search import RandomSearch
from benchlab.benchmarks.registry import get_benchmark
from benchlab.errors import InvalidArchitectureError, UserError
from benchlab.run.simulator import Budget, simulate
from benchlab.spaces.nb101 import Cell
from benchlab.train.cache import ResultCache
from benchlab.train.live_benchmark import TableOrTrainBenchmark
from tests.train.helpers import TABLE_CELLS, TABLE_FINAL, stub_for_table, write_tiny_table

TWO_VERTEX = Cell([[0, 1], [0, 0]], ["input", "output"])  # not in the tiny table


@pytest.fixture
def tiny(tmp_path):
    table, keys = write_tiny_table(tmp_path)
    stub = stub_for_table([0.7, 0.6, 0.5, 0.4], default=0.3)
    bench = TableOrTrainBenchmark(table, stub, cache=ResultCache(tmp_path / "live"))
    return bench, stub, keys


def test_tabulated_cell_and_budget_is_a_lookup(tiny):
    bench, stub, _ = tiny
    obs = bench.query(Cell(*TABLE_CELLS[0]), np.random.default_rng(0), 4)
    assert obs.valid in [v for _, v, _, _ in TABLE_FINAL[0]]
    assert stub.calls == []
    assert bench.fidelities == (2, 4, 6, 12, 18, 36, 54, 108)
    assert bench.optimum.valid == 1.0  # the tiny table lacks cells and budgets: no bound on live answers


def test_budget_missing_from_the_table_is_trained_once(tiny):
    bench, stub, keys = tiny
    cell = Cell(*TABLE_CELLS[0])
    obs = bench.query(cell, np.random.default_rng(0), 12)
    assert stub.calls == [(("input", "conv3x3-bn-relu", "output"), 2, 12)]
    assert obs.valid == pytest.approx(0.7, abs=1e-5) and obs.cost == 120.0 and obs.fidelity == 12
    assert obs.key == keys[0] and obs.params == 1234
    half = bench.query(cell, np.random.default_rng(1), 6)  # halfway point of the same 12-epoch run
    assert half.valid == pytest.approx(0.6) and half.cost == 60.0
    assert len(stub.calls) == 1
    assert bench.means_by_key(keys[0], 12).valid == pytest.approx(0.7, abs=1e-5)
    assert bench.means_by_key(keys[0], 4).valid == pytest.approx(np.mean([v for _, v, _, _ in TABLE_FINAL[0]]))


def test_cell_missing_from_the_table_is_trained_and_cached_on_disk(tiny, tmp_path):
    bench, stub, _ = tiny
    obs = bench.query(TWO_VERTEX, np.random.default_rng(0), 4)
    assert obs.valid == pytest.approx(0.3, abs=1e-5) and len(stub.calls) == 1
    assert bench.means(TWO_VERTEX, 4).valid == pytest.approx(0.3, abs=1e-5)
    # another benchmark over the same cache answers without training, even by key alone
    idle = stub_for_table([0, 0, 0, 0], default=0.0)
    again = TableOrTrainBenchmark(bench.table, idle, cache=ResultCache(tmp_path / "live"))
    assert again.means_by_key(obs.key, 4).valid == pytest.approx(0.3, abs=1e-5)
    assert idle.calls == []


def test_bad_fidelities_and_cells_are_user_errors(tiny):
    bench, _, _ = tiny
    with pytest.raises(UserError):
        bench.query(TWO_VERTEX, np.random.default_rng(0), 5)
    with pytest.raises(InvalidArchitectureError):
        bench.query(Cell([[0, 0], [0, 0]], ["input", "output"]), np.random.default_rng(0), 4)
    with pytest.raises(UserError, match="never queried"):
        bench.means_by_key("f" * 32, 4)


def test_the_simulator_runs_on_it(tiny):
    bench, stub, _ = tiny
    strategy = RandomSearch(bench.space, np.random.default_rng(0))
    result = simulate(bench, strategy, Budget(queries=12), np.random.default_rng(1), benchmark_name=bench.name)
    means = np.asarray(result.columns["incumbent_valid_mean"], dtype=float)
    assert len(means) == 12 and np.isfinite(means).all()
    assert all(epochs == 108 for *_, epochs in stub.calls)  # only the full budget is asked for


def test_opened_by_name_through_the_registry(tiny):
    bench, _, _ = tiny
    live = get_benchmark(f"live:nb101:{bench.table.path}")
    assert isinstance(live, TableOrTrainBenchmark)
    assert live.table.fidelities == bench.table.fidelities
    with pytest.raises(UserError):
        get_benchmark("live:")


def test_live_answers_above_the_table_keep_regret_non_negative(tmp_path):
    """The tiny table tops out at 4 epochs and lacks cells: 108-epoch live runs (here 0.9)
    beat its best mean (0.62), so its optimum is no bound and perfect accuracy is used."""
    from benchlab.testing import check_benchmark

    table, _ = write_tiny_table(tmp_path)
    stub = stub_for_table([0.9, 0.8, 0.7, 0.6], default=0.95)
    bench = TableOrTrainBenchmark(table, stub, cache=ResultCache(tmp_path / "live"))
    assert not bench.table_bounds_answers
    assert bench.means(Cell(*TABLE_CELLS[0])).valid > table.optimum.valid
    assert bench.optimum.valid == 1.0 and bench.optimum.test == 1.0
    check_benchmark(bench)


def test_a_complete_table_at_the_full_budget_keeps_its_optimum(shared_nb101_dir, tmp_path, monkeypatch):
    from benchlab.benchmarks.nb101 import open_prefixed
    from benchlab.testing import check_benchmark

    monkeypatch.setenv("BENCHLAB_DATA_DIR", str(tmp_path))
    table = open_prefixed(f"nb101:{shared_nb101_dir / 'energy_4V9E.tfrecord'}")
    stub = stub_for_table([], default=0.99)  # never asked at the full budget: the table answers
    bench = TableOrTrainBenchmark(table, stub, cache=ResultCache(tmp_path / "live"))
    assert bench.table_bounds_answers and bench.optimum == table.optimum
    check_benchmark(bench, samples=4)
    assert all(epochs < bench.max_fidelity for *_, epochs in stub.calls)


def test_a_table_short_of_the_full_budget_measures_against_perfect_accuracy(shared_nb101_dir, tmp_path, monkeypatch):
    """energy_5V9E holds every 5-vertex cell but only 4 epochs (the reported negative regret)."""
    from benchlab.benchmarks.nb101 import open_prefixed
    from benchlab.testing import check_benchmark

    monkeypatch.setenv("BENCHLAB_DATA_DIR", str(tmp_path))
    table = open_prefixed(f"nb101:{shared_nb101_dir / 'energy_5V9E.tfrecord'}")
    stub = stub_for_table([], default=0.93)  # a plausible 108-epoch accuracy, above the 4-epoch best
    bench = TableOrTrainBenchmark(table, stub, cache=ResultCache(tmp_path / "live"))
    assert table.optimum.valid < 0.93 and not bench.table_bounds_answers
    check_benchmark(bench, samples=3)
