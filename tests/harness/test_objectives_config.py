"""Objectives and constraints in experiment files: each mistake is one line, exit 2, nothing written."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from benchlab.cli import main

BENCH = "tests.toy:toy_multiobjective"


def write(tmp_path, body: str):
    path = tmp_path / "exp.toml"
    path.write_text(f'name = "mo"\nseeds = 2\nbenchmarks = ["{BENCH}"]\n{body}\n'
                    "[budget]\nqueries = 30\n[strategies.rs]\nname = \"rs\"\n")
    return path


@pytest.mark.parametrize("body, fragment", [
    ('objectives = ["valid", "size"]', "toy-mo has no objective 'size'; it records valid, test, params, latency"),
    ('objectives = ["valid", "train"]', "objective 'train' has no direction"),
    ('objectives = ["valid", "test"]', "objective 'test' is report-only"),
    ('objectives = ["valid"]', "name two or three objectives"),
    ('objectives = ["valid", "params", "latency", "train_time"]', "name two or three objectives"),
    ('objectives = "valid"', "objectives must be a list"),
    ('constraints = { params = "<= 10" }', "no cell meets params <= 10 (the smallest params is"),
    ('constraints = { params = "< 10" }', 'is not "<= NUMBER" or ">= NUMBER"'),
    ('constraints = { size = "<= 10" }', "no objective 'size'"),
])
def test_each_mistake_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, body, fragment):
    out = tmp_path / "out"
    code = main(["compare", str(write(tmp_path, body)), "--out", str(out), "-q", "--jobs", "1"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("benchlab: error: ") and len(err.strip().splitlines()) == 1
    assert fragment in err and "Traceback" not in err
    assert not out.exists()


def test_two_objective_sets_make_one_problem_each_and_rows_record_every_objective(tmp_path, capsys):
    path = write(tmp_path, 'objectives = [["valid", "params"], ["valid", "latency"]]\nconstraints = { params = "<= 4.5e5" }')
    out = tmp_path / "out"
    assert main(["compare", str(path), "--out", str(out), "-q", "--jobs", "1", "--no-report"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    labels = list(manifest["benchmarks"])
    assert labels == [f"{BENCH} valid-vs-params", f"{BENCH} valid-vs-latency"]
    problem = manifest["benchmarks"][labels[0]]["problem"]
    assert problem["objectives"] == ["valid", "params"] and problem["constraints"] == ["params <= 450000"]
    assert problem["reference_rule"].startswith("worst value over the table plus 0.1")
    assert 0 < problem["feasible_fraction"] < 1 and len(problem["reference_point"]) == 2
    files = sorted(out.glob("runs/*/rs/seed-0000.parquet"))
    assert len(files) == 2
    rows = pq.read_table(files[0]).to_pandas()
    assert rows["params_observed"].notna().all() and rows["latency_observed"].notna().all()
    assert rows["train_observed"].notna().all() and rows["test_observed"].notna().all()
    assert (rows["hv_regret"].diff().dropna() <= 1e-12).all() and (rows["hv_regret"] >= -1e-12).all()
