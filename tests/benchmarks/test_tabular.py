import math

import numpy as np
import pytest

from benchlab.benchmarks.table import Table
from benchlab.errors import DataError, InvalidArchitectureError, UserError
from tests.toy import make_toy_benchmark


def test_query_draws_recorded_repeats_reproducibly(toy_benchmark):
    arch = (0, 1, 2, 3)
    seen = {toy_benchmark.query(arch, np.random.default_rng(s)).repeat for s in range(50)}
    assert seen == {0, 1, 2}
    a = [toy_benchmark.query(arch, rng).valid for rng in [np.random.default_rng(7)] * 5]
    b = [toy_benchmark.query(arch, rng).valid for rng in [np.random.default_rng(7)] * 5]
    assert a == b
    obs = toy_benchmark.query(arch, np.random.default_rng(0))
    row = toy_benchmark.row_of(arch)
    assert obs.valid == toy_benchmark.table.valid[row, 1, obs.repeat]
    assert obs.fidelity == 100


def test_means_and_optimum(toy_benchmark):
    t = toy_benchmark.table
    assert toy_benchmark.optimum.valid == pytest.approx(np.max(t.valid[:, 1].mean(axis=1)))
    assert toy_benchmark.optimum.test == pytest.approx(np.max(t.test[:, 1].mean(axis=1)))
    m = toy_benchmark.means((1, 1, 1, 1), fidelity=10)
    assert m.valid == pytest.approx(t.valid[toy_benchmark.row_of((1, 1, 1, 1)), 0].mean())


def test_missing_repeats_are_never_drawn():
    bench = make_toy_benchmark()
    bench.table.valid[5, 1, 2] = np.nan
    from benchlab.benchmarks.tabular import TabularBenchmark

    bench = TabularBenchmark("toy", bench.space, bench.table)
    arch = bench.space.parse(bench.table.keys[5])
    assert {bench.query(arch, np.random.default_rng(s)).repeat for s in range(40)} == {0, 1}
    assert math.isclose(bench.means(arch).valid, np.mean(bench.table.valid[5, 1, :2]))


def test_bad_fidelity_and_unknown_arch_give_clear_errors(toy_benchmark):
    with pytest.raises(UserError, match="fidelity 7 is not in the table; use one of 10, 100"):
        toy_benchmark.query((0, 0, 0, 0), np.random.default_rng(0), fidelity=7)
    with pytest.raises(InvalidArchitectureError):
        toy_benchmark.query((9, 0, 0, 0), np.random.default_rng(0))


def test_table_round_trips_through_npz(tmp_path, toy_benchmark):
    path = tmp_path / "t.npz"
    toy_benchmark.table.save(path)
    loaded = Table.load(path)
    assert loaded.checksum() == toy_benchmark.table.checksum()
    assert loaded.fidelities == (10, 100)
    assert [p.name for p in tmp_path.iterdir()] == ["t.npz"]


def test_table_load_errors_name_the_file(tmp_path):
    with pytest.raises(DataError, match="no such table file"):
        Table.load(tmp_path / "missing.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a table")
    with pytest.raises(DataError, match="bad.npz: not a benchlab table"):
        Table.load(bad)
