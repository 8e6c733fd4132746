"""A user's strategy that fails inside a run: the message names the strategy, the run, the exception
and where the traceback was saved; validate writes no report."""

from __future__ import annotations

import json

import pytest

from tests.faults.helpers import TOY, cli, snapshot, toy_experiment

FAILURES = {
    "RaisesInAsk": "RuntimeError while searching: the ask of this strategy is broken",
    "RaisesInTell": "KeyError while searching: 'tell lost its bookkeeping'",
    "ProposesNonsense": "while searching",
    "ProposesUnhashable": "InvalidArchitectureError while searching",
}


def test_validate_stops_a_strategy_that_breaks_the_contract_before_writing(tmp_path, capsys):
    from tests.faults.helpers import expect_error

    expect_error(capsys, tmp_path, ["validate", "tests.faults.strategies:RaisesInAsk", "--benchmarks", TOY, "--seeds",
                                    "2", "--budget-queries", "6", "--jobs", "1", "-q", "--out", tmp_path / "v",
                                    "--against", "rs"], "RaisesInAsk", "the ask of this strategy is broken")


@pytest.mark.parametrize("name", FAILURES, ids=list(FAILURES))
def test_compare_names_the_cause(tmp_path, capsys, name):
    out = tmp_path / "exp"
    code, _, err = cli(capsys, "compare", toy_experiment(tmp_path, seeds=1), "--out", out, "--jobs", "1", "-q",
                       "--strategies", "rs", "--strategy", f"tests.faults.strategies:{name}")
    assert code == 1 and "Traceback" not in err and len(err.splitlines()) == 1
    record = next(out.rglob("*.failed.json"))
    assert f"strategy '{name}' failed in run {TOY} | {name} | seed 0" in err
    assert FAILURES[name] in err and f"full traceback in {record}" in err
    assert "Traceback" in json.loads(record.read_text())["traceback"]
    assert len(err) < 1500  # a 100,000-character architecture is not echoed
    assert not (out / "index.html").exists()


def test_validate_names_the_cause_and_writes_no_report(tmp_path, capsys):
    out = tmp_path / "validate"
    code, _, err = cli(capsys, "validate", "tests.faults.strategies:FailsLate", "--benchmarks", TOY, "--seeds", "2",
                       "--budget-queries", "120", "--jobs", "1", "-q", "--out", out, "--against", "rs")
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert "strategy 'FailsLate' failed in run" in err and "RuntimeError while searching: ask number 100" in err
    assert "full traceback in" in err and "rerun `benchlab compare`" not in err
    left = snapshot(out)
    assert not [p for p in left if p.split("/")[0] in ("index.html", "report.md", "figures", "tables")]
    assert not (out / ".benchlab.lock").exists()
