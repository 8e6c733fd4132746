"""Report speed on a default-sized experiment: 6 benchmarks x 5 strategies x 20 seeds x 150 queries.

`benchlab compare` writes the report at its end, so it should take seconds, not minutes.
"""

import pytest

from benchlab.analysis.load import load_experiment
from benchlab.analysis.report import write_report
from tests.analysis.synthetic import write_experiment

QUALITIES = {"rs": 0.05, "re": 0.03, "reinforce": 0.045, "bo": 0.02, "ls": 0.025}


@pytest.fixture(scope="module")
def default_sized(tmp_path_factory):
    return write_experiment(tmp_path_factory.mktemp("perf") / "exp", QUALITIES,
                            benchmarks=[f"bench/{i}" for i in range(6)], seeds=20, queries=150)


def test_load_experiment_speed(benchmark, default_sized):
    experiment = benchmark(load_experiment, default_sized)
    assert len(experiment.runs) == 30


def test_write_report_speed(benchmark, default_sized):
    index = benchmark.pedantic(write_report, args=(default_sized,), kwargs={"quiet": True}, rounds=3, iterations=1)
    assert index.is_file()
