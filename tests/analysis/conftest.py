from __future__ import annotations

import pytest

from tests.analysis.synthetic import write_experiment


@pytest.fixture
def experiment_dir(tmp_path):
    """Three strategies on two benchmarks (one without a test metric); "good" is clearly the best."""
    return write_experiment(
        tmp_path / "exp", {"good": 0.002, "plain": 0.05, "plain-twin": 0.05},
        benchmarks=("toy/a", "toy/b"), seeds=12, queries=40, no_test=("toy/b",),
    )
