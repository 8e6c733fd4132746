"""A run that cannot make its first evaluation is a failed run that says why, never a finished one."""

from __future__ import annotations

import json

from benchlab.harness.failures import cheapest_cost
from tests.faults.helpers import cli, toy_experiment
from tests.toy import make_toy_benchmark


def _failed_records(out):
    return [json.loads(p.read_text()) for p in sorted(out.rglob("*.failed.json"))]


def test_a_time_budget_below_the_cheapest_evaluation(tmp_path, capsys):
    out = tmp_path / "exp"
    code, _, err = cli(capsys, "compare", toy_experiment(tmp_path, seeds=1), "--out", out, "--jobs", "1", "-q",
                       "--budget-time", "1", "--strategies", "rs")
    cheapest = cheapest_cost(make_toy_benchmark())
    assert code == 1 and "Traceback" not in err
    assert "the time budget of 1 simulated seconds is below" in err and f"costs {cheapest:.6g} s" in err
    assert not list(out.rglob("*.parquet")) and len(_failed_records(out)) == 1
    # the report points at the failure (whose record says why), and a rerun tries again: no loop of reuse
    code, _, err = cli(capsys, "report", out, "-q")
    assert code == 2 and "failed (see the .failed.json" in err
    code, _, err = cli(capsys, "compare", toy_experiment(tmp_path, seeds=1), "--out", out, "--jobs", "1", "-q",
                       "--budget-time", "1", "--strategies", "rs")
    assert code == 1 and "below the first evaluation's cost" in err


def test_a_strategy_whose_ask_returns_none(tmp_path, capsys):
    out = tmp_path / "exp"
    code, _, err = cli(capsys, "compare", toy_experiment(tmp_path, seeds=1), "--out", out, "--jobs", "1", "-q",
                       "--strategies", "rs", "--strategy", "tests.faults.strategies:AsksNothing")
    assert code == 1 and "Traceback" not in err
    assert "strategy 'AsksNothing' failed" in err and "ask() returned None at its first call" in err
    records = _failed_records(out)
    assert [r["strategy"] for r in records] == ["AsksNothing"] and "returned None" in records[0]["error"]
    assert len(list(out.rglob("*.parquet"))) == 1  # the good strategy's run
