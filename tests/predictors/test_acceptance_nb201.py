"""Acceptance on nb201/cifar10: with 100 training cells the BANANAS MLP ensemble and the
boosted trees rank 1,000 held-out cells with Kendall tau >= 0.5 (mean over 3 seeds, each
with its own training and test cells), at their default settings."""

from __future__ import annotations

import pytest

from benchlab.predictors.evaluation import Settings, evaluate_predictors
from tests.acceptance import benchmark_or_skip

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def results():
    bench = benchmark_or_skip("nb201/cifar10")
    settings = Settings(train_sizes=(100,), sample=1000, seeds=3)
    return evaluate_predictors("nb201/cifar10", bench, ["mlp-ensemble", "gbt"], settings)


@pytest.mark.parametrize("name", ["mlp-ensemble", "gbt"])
def test_kendall_tau_at_100_training_cells(results, name):
    rows = results[results["predictor"] == name]
    assert len(rows) == 3 and (rows["n_train"] == 100).all() and (rows["n_test"] == 1000).all()
    assert rows["kendall"].mean() >= 0.5, rows[["seed", "kendall", "spearman"]].to_string()
