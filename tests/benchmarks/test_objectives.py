"""Every benchmark declares its objectives; observations carry them all."""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchlab.benchmarks import registry
from benchlab.benchmarks.base import Observation, observed
from benchlab.benchmarks.objectives import CATALOGUE, Objective
from benchlab.errors import UnknownNameError
from tests.toy import make_toy_benchmark

EXPECTED = {
    "nb201/cifar10": ["valid", "params", "latency", "train_time"],
    "graph/cora": ["valid", "test", "params", "latency"],
    "fcnet/protein_structure": ["valid", "params", "train_time"],
    "hpobench/australian": ["valid", "train_time", "precision", "f1"],
}


@pytest.mark.parametrize("name, names", EXPECTED.items())
def test_shipped_benchmarks_declare_their_recorded_objectives(name, names):
    bench = registry.get_benchmark(name)
    assert [o.name for o in bench.objectives] == names
    rng = np.random.default_rng(0)
    obs = bench.query(bench.space.sample(rng), rng)
    for objective in bench.objectives:
        assert not math.isnan(observed(obs, objective.field)), (name, objective.name)
    means = bench.objective_means(names)
    assert means.shape == (len(bench), len(names)) and not np.isnan(means).all(axis=0).any()


def test_only_the_test_score_is_report_only_and_directions_are_right():
    assert [o.name for o in CATALOGUE.values() if not o.visible] == ["test"]
    assert CATALOGUE["valid"].sense == -1.0 and CATALOGUE["params"].sense == 1.0
    assert CATALOGUE["train"].direction is None and math.isnan(CATALOGUE["train"].sense)
    with pytest.raises(ValueError):
        Objective("x", "up", "u", True, "valid")


def test_nb201_keeps_latency_and_params_per_cell():
    bench = registry.get_benchmark("nb201/cifar10")
    latency = bench.objective_means(("latency",))[:, 0]
    assert np.all(latency > 0) and np.all(latency < 1)
    params = bench.objective_means(("params",))[:, 0]
    assert params.min() > 1e4 and params.max() < 2e6


def test_unknown_objective_names_the_declared_ones():
    bench = make_toy_benchmark()
    with pytest.raises(UnknownNameError, match="toy has no objective 'latency'; it records valid, test, train_time"):
        bench.objective("latency")


def test_positional_observations_still_work_and_short_tuples_read_nan():
    obs = Observation("k", 0.5, 0.4, 1.0, None, 0)
    assert math.isnan(obs.latency) and obs.params != obs.params
    short = tuple.__new__(Observation, ("k", 0.5, 0.4, 1.0, None, 0, 0.9, 7.0))
    assert observed(short, "params") == 7.0 and math.isnan(observed(short, "latency"))


def test_benchmarks_command_lists_objectives_and_query_prints_them(capsys):
    from benchlab.cli import main

    assert main(["benchmarks", "nb201/cifar10"]) == 0
    out = capsys.readouterr().out
    assert "objectives" in out.splitlines()[0] and "valid+ params- latency- train_time-" in out
    assert main(["benchmarks", "graph/cora"]) == 0
    assert "valid+ test+* params- latency-" in capsys.readouterr().out
    assert main(["query", "hpobench/australian", "0,0,0,0,0"]) == 0
    header = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("repeat"))
    assert header.split() == ["repeat", "valid", "train_time", "precision", "f1"]


def test_nb101_declares_its_objectives_with_repeat_means(tmp_path):
    from benchlab.benchmarks.nb101 import NB101Benchmark
    from tests.compat.nb101_tables import distinct_cells, random_metrics, write_table

    epochs = (4, 12, 36, 108)
    metrics = random_metrics(20, epochs, seed=2)  # (cells, epochs, repeats, halfway/final, train/valid/test/time)
    bench = NB101Benchmark.open(write_table(tmp_path / "t.h5", distinct_cells(20, seed=1), metrics, epochs=epochs))
    assert [o.name for o in bench.objectives] == ["valid", "test", "params", "train_time", "train"]
    assert bench.objective("train").direction is None and not bench.objective("test").visible
    means = bench.objective_means(("valid", "train_time", "train", "params"))
    final = metrics[:, 3, :, 1, :]
    np.testing.assert_allclose(means[:, 0], np.nanmean(final[..., 1], axis=1))
    np.testing.assert_allclose(means[:, 1], np.nanmean(final[..., 3], axis=1))
    np.testing.assert_allclose(means[:, 2], np.nanmean(final[..., 0], axis=1))
    np.testing.assert_array_equal(means[:, 3], np.asarray(bench.table.params, dtype=float))
    assert len(bench.pareto_front(("valid", "params")).rows) >= 1
