import math

import numpy as np
import pandas as pd
import pytest

from benchlab.analysis import performance
from benchlab.analysis.load import Experiment, Run, load_experiment


def _experiment(runs: dict, budget=None) -> Experiment:
    benchmarks = tuple(dict.fromkeys(b for b, _ in runs))
    strategies = tuple(dict.fromkeys(s for _, s in runs))
    seeds = tuple(range(len(next(iter(runs.values())))))
    return Experiment(
        path=None, manifest={"budget": budget or {}}, benchmarks=benchmarks, strategies=strategies, seeds=seeds,
        regret_column={b: "test_regret" for b in benchmarks}, runs=runs, results_sha256="",
    )


def _run(seed, regret, sim_end):
    return Run("b", "s", seed, np.asarray(sim_end, float), np.asarray(regret, float), np.ones(len(regret)))


def test_ert_table_matches_a_hand_computed_case():
    runs = {("b", "s"): [
        _run(0, [0.5, 0.05, 0.0, 0.0], [10, 20, 30, 40]),  # reaches 0.1 at query 2 (20 s), 0 at query 3 (30 s)
        _run(1, [0.5, 0.4, 0.3], [15, 30, 45]),  # never reaches 0.1 (3 queries, 45 s)
        _run(2, [0.08], [100]),  # reaches 0.1 at query 1 (100 s)
    ]}
    table = performance.ert_table(_experiment(runs), targets=(0.1, 1e-9)).set_index("target_regret")
    assert table.loc[0.1, "successes"] == 2
    assert table.loc[0.1, "ert_queries"] == pytest.approx((2 + 3 + 1) / 2)
    assert table.loc[0.1, "ert_seconds"] == pytest.approx((20 + 45 + 100) / 2)
    assert table.loc[1e-9, "ert_queries"] == pytest.approx((3 + 3 + 1) / 1)
    assert table.loc[1e-9, "ert_seconds"] == pytest.approx(30 + 45 + 100)


def test_final_table_at_fractions_of_a_query_budget():
    runs = {("b", "s"): [_run(i, np.linspace(0.5, 0.1 * i, 10), np.arange(1, 11) * 10.0) for i in range(4)]}
    e = _experiment(runs, {"queries": 10})
    assert performance.budget_axis(e) == "queries"
    assert performance.budget_points(e, "b") == [1, 3, 5, 10]
    table = performance.final_table(e)
    end = table[table.fraction == 1.0].iloc[0]
    np.testing.assert_allclose(end["median"], np.median([0.0, 0.1, 0.2, 0.3]))
    assert end["success_rate"] == 0.25 and end["n"] == 4
    first = table[table.fraction == 0.1].iloc[0]
    assert first["mean"] == pytest.approx(0.5) and first["at_queries"] == 1


def test_time_budget_fractions_use_the_step_function():
    runs = {("b", "s"): [_run(0, [0.4, 0.2], [30, 80]), _run(1, [0.3, 0.1], [60, 90])]}
    e = _experiment(runs, {"queries": None, "time": 100.0})
    assert performance.budget_axis(e) == "seconds"
    values = performance.regrets_at(e, "b", 50.0)["s"]
    assert values[0] == 0.4 and math.isnan(values[1])  # seed 1 has no result by t=50
    table = performance.final_table(e)
    half = table[table.fraction == 0.5].iloc[0]
    assert half["n"] == 1 and half["mean"] == 0.4


def test_pairwise_table_finds_the_better_strategy(experiment_dir):
    e = load_experiment(experiment_dir)
    table = performance.pairwise_table(e)
    assert len(table) == 2 * 3  # three pairs per benchmark
    for _, row in table.iterrows():
        if row.a == "good":
            assert row.verdict == "better" and row.prob_a_beats_b > 0.9
        else:
            assert (row.a, row.b) == ("plain", "plain-twin") and row.verdict == "not distinguishable"


def test_average_rank_and_normalised_iqm(experiment_dir):
    e = load_experiment(experiment_dir)
    grid, by_key = performance.query_curves(e)
    ranks = performance.average_rank_over_queries(e, grid, by_key)
    assert ranks.shape == (3, 40)
    assert np.all(ranks[0, 5:] == 1.0)  # "good" is best on both benchmarks after a few queries
    np.testing.assert_allclose(ranks.sum(axis=0), 6.0)  # 1 + 2 + 3
    curves = performance.normalised_iqm_over_queries(e, grid, by_key, points=10, n_resamples=200)
    x, est, low, high = curves["good"]
    assert len(x) == len(est) and np.all((low <= est + 1e-12) & (est <= high + 1e-12))
    assert np.all((est >= 0) & (est <= 1))
    assert curves["good"][1][-1] < curves["plain"][1][-1]


def test_median_final_table_has_benchmarks_as_rows(experiment_dir):
    table = performance.median_final_table(load_experiment(experiment_dir))
    assert isinstance(table, pd.DataFrame) and list(table.index) == ["toy/a", "toy/b"]
    assert list(table.columns) == ["good", "plain", "plain-twin"]


def test_average_rank_over_time_uses_fractions_of_each_horizon(experiment_dir):
    e = load_experiment(experiment_dir)
    fractions, ranks = performance.average_rank_over_time(e, points=20)
    assert fractions[-1] == pytest.approx(1.0) and np.all(np.diff(fractions) > 0) and 0 < fractions[0] < 1
    assert ranks.shape == (3, 20) and not np.isnan(ranks).any()
    assert ranks[0, -1] == 1.0  # "good" ends best on both benchmarks


def test_default_ert_targets_scale_with_each_benchmark():
    base = [_run(0, [0.5, 0.04, 0.0], [10, 20, 30]), _run(1, [0.5, 0.3, 0.004], [10, 20, 30])]
    scaled = [_run(r.seed, r.regret * 1000, r.sim_end) for r in base]
    table = performance.ert_table(_experiment({("acc", "s"): base, ("mse", "s"): scaled}))
    by_benchmark = {b: t.set_index("target") for b, t in table.groupby("benchmark")}
    assert list(by_benchmark["acc"].index) == ["0.1 x worst regret", "0.01 x worst regret", "optimum"]
    assert by_benchmark["acc"].loc["0.1 x worst regret", "target_regret"] == pytest.approx(0.05)
    assert by_benchmark["mse"].loc["0.1 x worst regret", "target_regret"] == pytest.approx(50)
    for column in ("successes", "ert_queries"):
        assert list(by_benchmark["acc"][column]) == list(by_benchmark["mse"][column])
    assert list(by_benchmark["acc"]["successes"]) == [2, 2, 1]
