"""Small or unusual experiments still give a complete report."""

import json

import pyarrow.parquet as pq

from benchlab.analysis.load import load_experiment, run_file
from benchlab.analysis.report import write_report
from tests.analysis.synthetic import sealed, write_experiment


def test_one_strategy_one_seed(tmp_path):
    root = write_experiment(tmp_path / "e", {"only": 0.02}, benchmarks=("toy/x",), seeds=1, queries=6)
    page = write_report(root, quiet=True).read_text()
    assert "only" in page and (root / "figures" / "regret_toy_x.png").is_file()


def test_optimum_reached_by_every_run(tmp_path):
    root = write_experiment(tmp_path / "e", {"a": 0.02, "b": 0.02}, benchmarks=("toy/x",), seeds=3, queries=30,
                            optimum_hits={"a": 1.0, "b": 1.0})
    write_report(root, quiet=True)
    final = (root / "tables" / "final.csv").read_text()
    assert ",1.0\n" in final  # success rate 1 at the end of the budget


def test_time_budget_only_and_runs_of_different_lengths(tmp_path):
    root = write_experiment(tmp_path / "e", {"a": 0.02, "b": 0.04}, benchmarks=("toy/x",), seeds=4, queries=20)
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["budget"] = {"queries": None, "time": 8000.0}
    (root / "manifest.json").write_text(json.dumps(manifest))
    path = run_file(root, "toy/x", "a", 2)
    path.write_bytes(sealed(pq.read_table(path).slice(0, 5)))  # a run that stopped early
    e = load_experiment(root)
    assert e.time_budget == 8000.0 and e.query_budget is None
    write_report(root, quiet=True)
    assert "budget axis: seconds" in (root / "index.html").read_text()


def test_too_few_blocks_for_the_cd_diagram_is_said(tmp_path):
    root = write_experiment(tmp_path / "e", {"a": 0.02, "b": 0.02, "c": 0.02}, benchmarks=("t/1",), seeds=2, queries=8)
    page = write_report(root, quiet=True).read_text()
    assert "Critical-difference diagram omitted: 2 blocks, autorank needs 5" in page
    assert not (root / "figures" / "critical_difference.png").exists()


def test_all_strategies_tie(tmp_path):
    root = write_experiment(tmp_path / "e", {"a": 0.02, "b": 0.02, "c": 0.02}, benchmarks=("t/1",), seeds=5, queries=20,
                            optimum_hits={"a": 1.0, "b": 1.0, "c": 1.0})
    page = write_report(root, quiet=True).read_text()
    assert "all strategies tie on every benchmark" in page and "better" not in page.split("Pairwise")[-1]
