import math
import time

import numpy as np
import pytest

from algorithms.base import Proposal, Strategy
from algorithms.random_search import RandomSearch
from benchlab.errors import ConfigError
from benchlab.run.schema import SCHEMA
from benchlab.run.simulator import Budget, simulate
from tests.toy import make_toy_benchmark


class Recorder(RandomSearch):
    """Random search that remembers everything it was told."""

    def __init__(self, space, rng):
        super().__init__(space, rng)
        self.told = []

    def _tell(self, arch, feedback):
        self.told.append((arch, feedback))


class Repeater(Strategy):
    """Always proposes the same cell (at an optional fidelity)."""

    def __init__(self, space, rng, fidelity=None):
        super().__init__(space, rng)
        self.arch = space.sample(rng)
        self.fidelity = fidelity

    def _ask(self):
        return Proposal(self.arch, self.fidelity) if self.fidelity else self.arch

    def _tell(self, arch, feedback):
        pass


class Sleeper(RandomSearch):
    def _ask(self):
        time.sleep(0.002)
        return super()._ask()


def run(bench, strategy_cls=RandomSearch, budget=Budget(queries=40), seed=0, **kw):
    strategy = strategy_cls(bench.space, np.random.default_rng(seed))
    return strategy, simulate(bench, strategy, budget, np.random.default_rng(seed + 100), **kw)


@pytest.fixture
def bench():
    return make_toy_benchmark()


def test_sequential_loop_with_one_worker(bench):
    _, r = run(bench)
    c = r.columns
    assert len(r) == 40 and r.stop_reason == "queries" and r.asked == 40
    assert np.all(c["worker"] == 0)
    np.testing.assert_allclose(c["sim_end"], np.cumsum(c["cost"]))
    np.testing.assert_allclose(c["sim_start"][1:], c["sim_end"][:-1])
    assert list(c["step"]) == list(range(40))


def test_rows_follow_the_schema(bench):
    _, r = run(bench)
    table = r.to_arrow()
    assert table.schema.equals(SCHEMA)
    assert table.num_rows == 40


def test_strategy_is_told_only_validation_cost_and_fidelity(bench):
    strategy, r = run(bench, Recorder)
    assert len(strategy.told) == len(r)
    feedback = strategy.told[0][1]
    assert not hasattr(feedback, "test")
    assert [f.valid for _, f in strategy.told] == list(r.columns["valid_observed"])
    assert [f.cost for _, f in strategy.told] == list(r.columns["cost"])


@pytest.mark.parametrize("workers", [1, 3, 8])
def test_incumbent_uses_only_finished_evaluations(bench, workers):
    _, r = run(bench, workers=workers, budget=Budget(queries=60))
    c = r.columns
    assert np.all(np.diff(c["sim_end"]) >= 0)  # rows in finishing order
    for i in range(len(r)):
        finished = np.flatnonzero(c["sim_end"] <= c["sim_end"][i])
        finished = finished[finished <= i]
        best = finished[np.argmax(c["valid_observed"][finished])]
        assert c["incumbent_key"][i] == c["arch_key"][best]


def test_incumbent_means_and_regrets_at_full_fidelity(bench):
    _, r = run(bench, seed=1)
    c = r.columns
    means = bench.means_by_key(c["incumbent_key"][-1], 100)
    assert c["incumbent_valid_mean"][-1] == means.valid
    assert c["incumbent_test_mean"][-1] == means.test
    np.testing.assert_allclose(c["valid_regret"], bench.optimum.valid - c["incumbent_valid_mean"])
    np.testing.assert_allclose(c["test_regret"], bench.optimum.test - c["incumbent_test_mean"])
    assert np.all(c["valid_regret"] >= 0)


def test_low_fidelity_proposals_are_evaluated_there_but_judged_at_full_fidelity(bench):
    strategy = Repeater(bench.space, np.random.default_rng(0), fidelity=10)
    r = simulate(bench, strategy, Budget(queries=5), np.random.default_rng(1))
    c = r.columns
    assert list(c["fidelity"]) == [10] * 5
    key = c["arch_key"][0]
    assert c["incumbent_valid_mean"][-1] == bench.means_by_key(key, 100).valid
    assert np.all(c["valid_observed"] < c["incumbent_valid_mean"][-1] - 0.05)  # toy: fidelity 10 is ~0.1 lower


def test_no_test_metric_gives_nan_test_columns():
    bench = make_toy_benchmark(with_test=False)
    _, r = run(bench)
    assert np.all(np.isnan(r.columns["test_regret"]))
    assert not np.any(np.isnan(r.columns["valid_regret"]))


def test_workers_run_asynchronously_without_overlap(bench):
    _, r = run(bench, workers=4, budget=Budget(queries=50))
    c = r.columns
    assert set(c["worker"]) == {0, 1, 2, 3}
    assert np.sum(c["sim_start"] == 0.0) == 4  # every worker asked at time 0
    for w in range(4):
        mine = np.flatnonzero(c["worker"] == w)
        # a worker starts its next evaluation exactly when its previous result arrived
        np.testing.assert_allclose(c["sim_start"][mine[1:]], c["sim_end"][mine[:-1]])
    # never more than 4 evaluations in flight
    for t in c["sim_end"]:
        assert np.sum((c["sim_start"] < t) & (c["sim_end"] > t)) <= 4
    # with more workers the same number of queries takes less simulated time
    _, sequential = run(bench, budget=Budget(queries=50))
    assert c["sim_end"][-1] < sequential.columns["sim_end"][-1] / 2


def test_time_budget_counts_no_evaluation_finishing_after_it(bench):
    budget = Budget(time=10_000.0)
    _, r = run(bench, budget=budget, workers=3)
    c = r.columns
    assert r.stop_reason == "time"
    assert np.all(c["sim_end"] <= 10_000.0)
    assert r.dropped >= 1  # the evaluations in flight at the budget
    assert r.asked == len(r) + r.dropped


def test_first_budget_reached_stops_the_run(bench):
    _, by_queries = run(bench, budget=Budget(queries=5, time=1e9))
    assert len(by_queries) == 5 and by_queries.stop_reason == "queries"
    _, by_time = run(bench, budget=Budget(queries=10_000, time=5_000.0))
    assert by_time.stop_reason == "time" and len(by_time) < 10_000


def test_requery_charge_draws_new_repeats_and_pays(bench):
    strategy = Repeater(bench.space, np.random.default_rng(0))
    r = simulate(bench, strategy, Budget(queries=12), np.random.default_rng(3), requery="charge")
    c = r.columns
    assert np.all(c["cost"] > 0)
    assert len(set(c["valid_observed"])) > 1  # three recorded repeats get drawn


def test_requery_cache_returns_the_first_result_for_free(bench):
    strategy = Repeater(bench.space, np.random.default_rng(0))
    r = simulate(bench, strategy, Budget(queries=12), np.random.default_rng(3), requery="cache", workers=3)
    c = r.columns
    assert c["cost"][0] > 0 and np.all(c["cost"][1:] == 0)
    assert len(set(c["valid_observed"])) == 1
    # copies asked while the first evaluation was in flight arrive with it, not before
    assert np.all(c["sim_end"] >= c["sim_end"][0])


def test_cache_with_only_a_time_budget_is_refused(bench):
    with pytest.raises(ConfigError, match="query budget"):
        run(bench, budget=Budget(time=100.0), requery="cache")


def test_charging_strategy_time_moves_the_clock(bench):
    _, free = run(bench, Sleeper, budget=Budget(queries=5))
    _, charged = run(bench, Sleeper, budget=Budget(queries=5), charge_strategy_time=True)
    np.testing.assert_allclose(free.columns["cost"], charged.columns["cost"])
    delay = charged.columns["sim_end"] - free.columns["sim_end"]
    assert np.all(delay >= 0.002 * np.arange(1, 6))
    assert np.all(free.columns["strategy_wall_s"] >= 0.002)


def test_same_seed_same_run_different_seed_different_run(bench):
    def table(seed):
        _, r = run(bench, seed=seed, workers=2)
        return r.to_arrow().drop_columns(["strategy_wall_s"]).to_pandas()  # pandas: NaN equals NaN

    assert table(5).equals(table(5))
    assert not table(5).equals(table(6))


def test_exhausted_deduplicating_strategy_stops_the_run():
    bench = make_toy_benchmark(n_dims=2, n_choices=2)
    strategy = RandomSearch(bench.space, np.random.default_rng(0), dedupe=True)
    r = simulate(bench, strategy, Budget(queries=10), np.random.default_rng(0))
    assert r.stop_reason == "exhausted"
    assert len(r) == 4 and len(set(r.columns["arch_key"])) == 4


@pytest.mark.parametrize(
    "kwargs, message",
    [({}, "queries"), ({"queries": -1}, "positive"), ({"queries": 2.5}, "whole"), ({"time": -3.0}, "positive"),
     ({"time": math.inf}, "finite")],
)
def test_bad_budgets_are_config_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        Budget(**kwargs)


def test_bad_worker_count_and_policy(bench):
    with pytest.raises(ConfigError, match="workers"):
        run(bench, workers=0)
    with pytest.raises(ConfigError, match="requery"):
        run(bench, requery="sometimes")


def test_a_missing_cost_is_a_data_error_not_a_silent_drop(bench):
    from benchlab.errors import DataError

    bench.table.cost[:] = np.nan
    with pytest.raises(DataError, match="no recorded cost"):
        run(bench)
