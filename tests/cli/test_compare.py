import os
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from benchlab.cli import main
from benchlab.harness import storage
from tests.harness.helpers import TOY, toy_config, write_config

REPO = Path(__file__).resolve().parents[2]


def compare(*args):
    return main(["compare", *map(str, args)])


def test_compare_runs_the_grid_and_prints_a_table(tmp_path, capsys):
    out = tmp_path / "exp"
    assert compare(toy_config(tmp_path), "--out", out, "--jobs", "1", "--no-report") == 0
    assert len(list((out / "runs").rglob("*.parquet"))) == 12
    printed = capsys.readouterr()
    assert f"{TOY}: final test regret (mean +- standard error)" in printed.out
    assert "12 runs done, 0 reused, 0 failed" in printed.out
    assert "2 benchmarks x 2 strategies x 3 seeds = 12 runs" in printed.err


def test_flags_shape_the_grid(tmp_path):
    out = tmp_path / "exp"
    code = compare(toy_config(tmp_path), "--out", out, "--benchmarks", TOY, "--strategies", "rs", "--seeds", "2",
                   "--budget-queries", "9", "--workers", "2", "--jobs", "2", "-q", "--no-report")
    assert code == 0
    files = sorted((out / "runs").rglob("*.parquet"))
    assert [f.name for f in files] == ["seed-0000.parquet", "seed-0001.parquet"]
    table = pq.read_table(files[0])
    assert table.num_rows == 9 and set(table.column("worker").to_pylist()) == {0, 1}


def test_default_output_folder_is_reports_slash_name(tmp_path, monkeypatch):
    config = toy_config(tmp_path, seeds=1)
    monkeypatch.chdir(tmp_path)
    assert compare(config, "--jobs", "1", "-q", "--no-report", "--strategies", "rs") == 0
    assert (tmp_path / "reports" / "toy-exp" / "manifest.json").exists()


def test_the_report_is_written_at_the_end(tmp_path, monkeypatch):
    calls = []
    fake = types.ModuleType("benchlab.analysis.report")
    fake.write_report = lambda experiment_dir, *, quiet=False: calls.append(Path(experiment_dir)) or Path(experiment_dir) / "index.html"
    monkeypatch.setitem(sys.modules, "benchlab.analysis.report", fake)
    out = tmp_path / "exp"
    assert compare(toy_config(tmp_path, seeds=1), "--out", out, "--jobs", "1", "-q") == 0
    assert calls == [out]


def test_failed_runs_make_the_command_exit_1(tmp_path, capsys):
    out = tmp_path / "exp"
    code = compare(toy_config(tmp_path), "--out", out, "--jobs", "1", "-q",
                   "--strategy", "tests.harness.helpers:FailingSearch")
    assert code == 1
    err = capsys.readouterr().err
    assert "6 of 18 runs failed, so no report was written" in err and "deliberate failure" in err
    assert not (out / "index.html").exists()
    assert len(list((out / "runs").rglob("*.parquet"))) == 12


BAD_FLAGS = [
    (["--benchmarks", "no/such"], "unknown benchmark 'no/such'"),
    (["--strategies", "rs,nope"], "unknown strategy 'nope'"),
    (["--strategy", "no_such_module:Cls"], "no_such_module"),
    (["--budget-queries", "-3"], "positive"),
    (["--budget-time", "-3"], "positive"),
    (["--seeds", "0"], "seeds must be at least 1"),
    (["--jobs", "0"], "--jobs"),
    (["--full", "--benchmarks", TOY], "either --full or --benchmarks"),
    (["--dask-local", "2", "--scheduler", "tcp://127.0.0.1:1"], "either --scheduler or --dask-local"),
]


@pytest.mark.parametrize("flags, message", BAD_FLAGS)
def test_bad_flags_exit_2_and_write_nothing(tmp_path, capsys, flags, message):
    out = tmp_path / "exp"
    assert compare(toy_config(tmp_path), "--out", out, "-q", *flags) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("benchlab: error:") and err.count("\n") == 1
    assert not out.exists()


@pytest.mark.parametrize(
    "text, message",
    [
        ('bogus = 1\n[budget]\nqueries = 5\n[strategies.rs]\nname = "rs"\n', "unknown key 'bogus'"),
        (f'benchmarks = ["{TOY}"]\n[budget]\nqueries = -5\n[strategies.rs]\nname = "rs"\n', "positive"),
        (f'benchmarks = ["{TOY}"]\n[budget]\nqueries = 5\n[strategies.rs]\nname = "xx"\n', "unknown strategy"),
        ("not toml at all [[\n", "not valid TOML"),
        (f'benchmarks = ["{TOY}"]\n[budget]\nqueries = 5\n[strategies.evo]\nname = "re"\n'
         "hyperparameters = { population_size = 0 }\n",
         "[strategies.evo]: RegularizedEvolution: population_size must be an integer >= 1, got 0"),
        (f'benchmarks = ["{TOY}"]\n[budget]\nqueries = 5\n[strategies.bo]\nname = "bo"\n'
         'hyperparameters = { kernel = "linear" }\n', "BayesianOptimisation: kernel must be one of 'hamming', 'matern', 'rbf'"),
        ('benchmarks = ["tests.harness.helpers:toy_with_too_large_a_space"]\n[budget]\nqueries = 5\n'
         '[strategies.rs]\nname = "rs"\n', "benchmark factory tests.harness.helpers:toy_with_too_large_a_space: "
         "benchmark toy-broken (TabularBenchmark) breaks the contract"),
    ],
)
def test_bad_files_exit_2_and_write_nothing(tmp_path, capsys, text, message):
    out = tmp_path / "exp"
    assert compare(write_config(tmp_path / "bad.toml", text), "--out", out, "-q") == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()


@pytest.mark.parametrize("make_path", [lambda p: p / "missing.toml", lambda p: p])  # missing file, a directory
def test_unreadable_files_exit_2(tmp_path, capsys, make_path):
    out = tmp_path / "exp"
    assert compare(make_path(tmp_path), "--out", out, "-q") == 2
    assert "experiment file" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.slow
def test_sigkill_mid_experiment_then_rerun_completes_without_damage(tmp_path):
    """Kill `benchlab compare` (and its worker processes) mid-way; the re-run completes the grid."""
    config = toy_config(tmp_path, seeds=8, queries=30,
                        strategies='[strategies.slow]\nclass = "tests.harness.helpers:SlowSearch"\n'
                                   'hyperparameters = { delay = 0.004 }\n[strategies.rs]\nname = "rs"\n')
    out = tmp_path / "exp"
    command = [sys.executable, "-m", "benchlab", "compare", str(config), "--out", str(out), "--jobs", "2", "-q",
               "--no-report"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(command, cwd=REPO, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.rglob("*.parquet"))) < 6:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the command and its worker processes, all at once
    proc.wait()
    done_before = len(list(out.rglob("*.parquet")))
    assert 6 <= done_before < 32, "the kill should land mid-experiment"

    rerun = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    files = sorted(out.rglob("*.parquet"))
    assert len(files) == 32 and len({f.relative_to(out) for f in files}) == 32
    assert not [p for p in out.rglob("*") if p.is_file() and p.name.startswith(storage.TMP_PREFIX)]
    assert not list(out.rglob("*.failed.json"))
    for f in files:  # every file complete and readable
        table = pq.read_table(f)
        assert table.num_rows == 30
        assert table.column("step").to_pylist() == list(range(30))
