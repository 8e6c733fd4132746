"""The report of a multi-objective, constrained experiment: verdict first, attainment, IGD+, feasibility."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchlab.analysis.load import load_experiment
from benchlab.analysis.multiobjective import attainment, feasibility_table, igd_table, normalised, problem_of
from benchlab.analysis.report import write_report
from benchlab.cli import main


@pytest.fixture(scope="module")
def experiment_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("mo")
    config = root / "mo.toml"
    config.write_text('name = "mo"\nseeds = 5\nbenchmarks = ["tests.toy:toy_multiobjective"]\n'
                      'objectives = ["valid", "params"]\nconstraints = { latency = "<= 0.004" }\n'
                      "[budget]\nqueries = 40\n"
                      '[strategies.mo-rs]\nname = "mo-rs"\n[strategies.nsga2]\nname = "nsga2"\n'
                      '[strategies.mo-re]\nname = "mo-re"\n')
    out = root / "out"
    assert main(["compare", str(config), "--out", str(out), "-q", "--jobs", "1", "--no-report"]) == 0
    return out


def test_page_opens_with_the_verdict_then_figures_then_methods(experiment_dir):
    write_report(experiment_dir, quiet=True)
    page = (experiment_dir / "report.md").read_text()
    order = [page.index(h) for h in ("## Verdict", "## Across benchmarks", "## Benchmark ", "## Methods",
                                     "## Reproducibility")]
    assert order == sorted(order)
    assert "attainment_" in page and "IGD+ of the final archives" in page and "Runs that found a feasible cell" in page
    assert (experiment_dir / "figures" / "attainment_tests.toy_toy_multiobjective.png").stat().st_size > 1000
    verdict = pd.read_csv(experiment_dir / "tables" / "verdict.csv")
    assert list(verdict.benchmark) == ["tests.toy:toy_multiobjective"] and verdict.leader[0] in verdict.best[0]
    assert "reference point" in page and "worst value over the table plus 10%" in page


def test_indicator_tables_agree_with_the_recorded_archives(experiment_dir):
    e = load_experiment(experiment_dir)
    b = e.benchmarks[0]
    problem = problem_of(e, b)
    assert e.regret_column[b] == "test_hv_regret"  # the toy has a test score
    igd = igd_table(e)
    assert len(igd) == 3 and (igd.median_igd_plus >= 0).all()
    front = normalised(problem["front"], problem)
    assert front.min() >= -1e-12 and front.max() <= 1 + 1e-12
    feasible = feasibility_table(e)
    assert feasible.found_feasible.between(0, 1).all() and 0 < feasible.feasible_cells_in_table[0] < 1
    for surface in attainment(e, b).values():
        assert surface.shape[1] == 2 and np.all(surface[:, 1] >= min(p[1] for p in problem["front"]))


def test_several_objective_sets_are_reported_under_their_problem_labels(tmp_path):
    """Each objective set is its own problem, named "<benchmark> <objectives>" in the manifest;
    the report reads those names back (they are plain names, not paths)."""
    config = tmp_path / "two.toml"
    config.write_text('name = "two"\nseeds = 2\nbenchmarks = ["tests.toy:toy_multiobjective"]\n'
                      'objectives = [["valid", "params"], ["valid", "latency"]]\n'
                      "[budget]\nqueries = 20\n"
                      '[strategies.mo-rs]\nname = "mo-rs"\n[strategies.nsga2]\nname = "nsga2"\n')
    out = tmp_path / "out"
    assert main(["compare", str(config), "--out", str(out), "-q", "--jobs", "1"]) == 0
    page = (out / "report.md").read_text()
    assert "valid-vs-params" in page and "valid-vs-latency" in page
    assert main(["report", str(out), "-q"]) == 0
