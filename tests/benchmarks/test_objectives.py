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
