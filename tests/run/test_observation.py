"""What a query returns: one random repeat, the mean over repeats, or a fixed repeat."""

from __future__ import annotations

import numpy as np
import pytest

from algorithms.random_search import RandomSearch
from benchlab.errors import ConfigError, DataError
from benchlab.run import observation
from benchlab.run.simulator import Budget, simulate
from tests.toy import make_toy_benchmark


@pytest.fixture(scope="module")
def bench():
    return make_toy_benchmark()


def test_mean_is_the_mean_over_repeats_and_draws_nothing(bench):
    query = observation.query_function(bench, "mean")
    arch = (1, 2, 3, 4)
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    obs = query(arch, rng)
    runs = bench.repeats(arch)
    assert obs.valid == pytest.approx(bench.means(arch).valid)
    assert obs.test == pytest.approx(np.mean([r.test for r in runs]))
    assert obs.cost == pytest.approx(np.mean([r.cost for r in runs]))
    assert obs.key == runs[0].key and obs.fidelity == 100
    assert rng.bit_generator.state == state
    assert query(arch, rng, 10).valid == pytest.approx(bench.means(arch, 10).valid)


def test_repeat_k_is_always_that_repeat(bench):
    query = observation.query_function(bench, "repeat:2")
    arch = (0, 4, 1, 3)
    assert {query(arch, np.random.default_rng(s)) for s in range(5)} == {bench.repeats(arch)[2]}


def test_sample_is_the_benchmarks_own_query(bench):
    assert observation.query_function(bench, "sample") == bench.query


@pytest.mark.parametrize("text", ["median", "repeat:", "repeat:-1", "repeat:x", 3, None, "Sample"])
def test_bad_modes_name_the_choices(text):
    with pytest.raises(ConfigError, match="sample.*mean.*repeat:K"):
        observation.parse(text)


def test_a_repeat_the_benchmark_lacks_is_refused_up_front(bench):
    with pytest.raises(ConfigError, match="at most 3 repeat"):
        observation.check(bench, "repeat:3", "toy")
    observation.check(bench, "repeat:2", "toy")


def test_a_cell_with_fewer_repeats_is_a_clear_data_error(bench, monkeypatch):
    monkeypatch.setattr(bench, "repeats", lambda arch, fidelity=None: [])
    with pytest.raises(DataError, match="repeat:1"):
        observation.query_function(bench, "repeat:1")((0, 0, 0, 0), np.random.default_rng(0))


def test_simulated_runs_observe_means_and_the_signal_fidelity(bench):
    result = simulate(bench, RandomSearch(bench.space, np.random.default_rng(0)), Budget(queries=30),
                      np.random.default_rng(1), observation="mean", fidelity=10)
    c = result.columns
    assert set(c["fidelity"]) == {10}
    for key, valid in zip(c["arch_key"], c["valid_observed"]):
        assert valid == pytest.approx(bench.means_by_key(key, 10).valid)
    # regret stays on the full-budget means of the incumbent
    assert c["incumbent_valid_mean"][-1] == pytest.approx(bench.means_by_key(c["incumbent_key"][-1]).valid)
