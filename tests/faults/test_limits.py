"""Upper limits and the per-run wall-clock limit: errors, not hangs."""

from __future__ import annotations

import json
import time

import pytest

from benchlab.harness import limits
from tests.faults.helpers import cli, expect_error, toy_experiment


@pytest.mark.parametrize("flags, fragment", [
    (["--seeds", "10000000"], "seeds is 10,000,000, above the limit of 10,000"),
    (["--budget-queries", str(10**12)], "budget queries is 1,000,000,000,000, above the limit"),
    (["--workers", "100000"], "workers is 100,000, above the limit"),
    (["--run-timeout", "0"], "run_timeout must be a positive number"),
    (["--run-timeout", "nan"], "run_timeout must be a positive number"),
    (["--run-timeout", "1e9"], "above the limit"),
])
def test_limits_are_errors_before_anything_is_written(tmp_path, capsys, flags, fragment):
    started = time.monotonic()
    expect_error(capsys, tmp_path, ["compare", toy_experiment(tmp_path), "--out", tmp_path / "exp", "-q", *flags],
                 fragment)
    assert time.monotonic() - started < 30


def test_too_many_runs_in_one_grid(tmp_path, capsys):
    strategies = "".join(f'[strategies.rs{i}]\nname = "rs"\n' for i in range(11))
    config = toy_experiment(tmp_path, seeds=limits.MAX_SEEDS, strategies=strategies)
    expect_error(capsys, tmp_path, ["compare", config, "--out", tmp_path / "exp", "-q"], "runs, above the limit")


def test_a_manifest_claiming_ten_million_seeds(tmp_path, capsys):
    out = tmp_path / "exp"
    assert cli(capsys, "compare", toy_experiment(tmp_path, seeds=1), "--out", out, "--jobs", "1", "-q",
               "--no-report")[0] == 0
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["seeds"] = 10**7
    (out / "manifest.json").write_text(json.dumps(manifest))
    started = time.monotonic()
    expect_error(capsys, out, ["report", out, "-q"], "above the limit of 10,000")
    assert time.monotonic() - started < 30


def test_a_run_past_its_wall_clock_limit_is_a_failed_run(tmp_path, capsys):
    out = tmp_path / "exp"
    config = toy_experiment(tmp_path, seeds=1, strategies='[strategies.slow]\nclass = "tests.faults.strategies:SlowAsk"\n'
                                                          'hyperparameters = { delay = 0.3 }\n[strategies.rs]\nname = "rs"\n')
    started = time.monotonic()
    code, _, err = cli(capsys, "compare", config, "--out", out, "--jobs", "1", "-q", "--run-timeout", "1.5",
                       "--budget-queries", "100")
    assert time.monotonic() - started < 20
    assert code == 1 and "Traceback" not in err
    assert "strategy 'slow' failed" in err and "RunTimeout while searching" in err and "wall-clock limit of 1.5 s" in err
    assert len(list(out.rglob("*.parquet"))) == 1  # rs finished within the limit


def test_a_single_ask_that_never_returns_is_stopped(tmp_path, capsys):
    out = tmp_path / "exp"
    config = toy_experiment(tmp_path, seeds=1, strategies='[strategies.stuck]\nclass = "tests.faults.strategies:StuckAsk"\n')
    started = time.monotonic()
    code, _, err = cli(capsys, "compare", config, "--out", out, "--jobs", "1", "-q", "--run-timeout", "1")
    assert time.monotonic() - started < 20
    assert code == 1 and "RunTimeout" in err and "Traceback" not in err


@pytest.mark.slow
def test_the_limit_holds_in_worker_processes(tmp_path, capsys):
    out = tmp_path / "exp"
    config = toy_experiment(tmp_path, seeds=2, strategies='[strategies.stuck]\nclass = "tests.faults.strategies:StuckAsk"\n'
                                                          '[strategies.rs]\nname = "rs"\n', extra="run_timeout = 1.0")
    started = time.monotonic()
    code, _, err = cli(capsys, "compare", config, "--out", out, "--jobs", "2", "-q")
    assert time.monotonic() - started < 30
    assert code == 1 and "2 of 4 runs failed" in err and "RunTimeout" in err
