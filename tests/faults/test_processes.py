"""Processes dying or competing: kills at random moments, two compares on one folder, a killed parent."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from benchlab.harness.integrity import WALL_COLUMNS
from benchlab.harness.lock import LOCK_FILE
from benchlab.io.atomic import TMP_PREFIX
from tests.faults.helpers import REPO, benchlab_command, cli, environment, run_benchlab, toy_experiment

SLOW = ('[strategies.slow]\nclass = "tests.faults.strategies:SlowAsk"\nhyperparameters = { delay = 0.01 }\n'
        '[strategies.rs]\nname = "rs"\n')


def _contents(out: Path) -> dict:
    """Every run file's reproducible contents (as pandas frames: NaN equals NaN there, and the
    objective columns of a single-objective run are NaN)."""
    return {
        str(p.relative_to(out)): pq.read_table(p).drop_columns(list(WALL_COLUMNS)).replace_schema_metadata(None).to_pandas()
        for p in sorted(out.rglob("*.parquet"))
    }


def _start(config, out, *extra) -> subprocess.Popen:
    command = benchlab_command("compare", config, "--out", out, "-q", "--no-report", *extra)
    return subprocess.Popen(command, cwd=REPO, env=environment(), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


@pytest.mark.slow
def test_kills_at_random_moments_then_resume_give_the_uninterrupted_contents(tmp_path):
    config = toy_experiment(tmp_path, seeds=4, queries=25, strategies=SLOW)
    reference = tmp_path / "reference"
    assert run_benchlab("compare", config, "--out", reference, "-q", "--no-report", "--jobs", "2").returncode == 0
    expected = _contents(reference)
    assert len(expected) == 8

    out = tmp_path / "killed"
    rng = np.random.default_rng(16)
    for delay in rng.uniform(1.0, 4.0, size=3):
        proc = _start(config, out, "--jobs", "2")
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)  # the command and its workers, wherever they are
        proc.wait()
    result = run_benchlab("compare", config, "--out", out, "-q", "--no-report", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    got = _contents(out)
    assert got.keys() == expected.keys()
    assert all(got[k].equals(expected[k]) for k in expected)
    assert not [p for p in out.rglob(TMP_PREFIX + "*")] and not (out / LOCK_FILE).exists()
    assert json.loads((out / "manifest.json").read_text())["finished"] is not None


@pytest.mark.slow
def test_a_second_compare_on_the_same_folder_is_told_who_holds_it(tmp_path):
    gate = tmp_path / "gate"
    config = toy_experiment(tmp_path, seeds=2, queries=10, strategies=(
        f'[strategies.gated]\nclass = "tests.faults.strategies:WaitsForGate"\nhyperparameters = {{ gate = "{gate}" }}\n'
        '[strategies.rs]\nname = "rs"\n'))
    out = tmp_path / "exp"
    first = _start(config, out, "--jobs", "1")
    try:
        deadline = time.monotonic() + 60
        while not (out / LOCK_FILE).exists() or not (out / LOCK_FILE).read_text().strip():
            assert time.monotonic() < deadline and first.poll() is None, "the first compare never took the lock"
            time.sleep(0.05)
        second = run_benchlab("compare", config, "--out", out, "-q", "--no-report", "--jobs", "1")
        assert second.returncode == 2 and "Traceback" not in second.stderr
        assert second.stderr.count("\n") == 1
        assert f"is in use by benchlab process {first.pid}" in second.stderr and "wait for it" in second.stderr
        report = run_benchlab("report", out, "-q")
        assert report.returncode == 2 and f"benchlab process {first.pid}" in report.stderr
    finally:
        gate.touch()
        _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert len(list(out.rglob("*.parquet"))) == 4 and not (out / LOCK_FILE).exists()


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path, capsys):
    out = tmp_path / "exp"
    out.mkdir()
    dead = subprocess.Popen(["true"])
    dead.wait()  # its pid now names no process
    (out / LOCK_FILE).write_text(json.dumps({"pid": dead.pid, "host": "here", "since": "earlier"}))
    code, _, err = cli(capsys, "compare", toy_experiment(tmp_path, seeds=1), "--out", out, "--jobs", "1", "-q",
                       "--no-report")
    assert code == 0, err
    assert not (out / LOCK_FILE).exists()


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc to find the worker processes")
def test_workers_exit_when_the_parent_is_killed(tmp_path):
    config = toy_experiment(tmp_path, seeds=6, queries=400, strategies=SLOW.replace("0.01", "0.05"))
    proc = _start(config, tmp_path / "exp", "--jobs", "2")
    try:
        deadline = time.monotonic() + 60
        workers = []
        while len(workers) < 2:
            assert time.monotonic() < deadline and proc.poll() is None, "no worker processes appeared"
            time.sleep(0.1)
            workers = _children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)  # only the parent
        proc.wait()
        deadline = time.monotonic() + 15
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [w for w in workers if _alive(w)], "workers outlived their parent"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
