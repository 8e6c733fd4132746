"""Reports are reproducible, order-independent, and show names from files as text."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from benchlab.analysis import performance
from benchlab.analysis.load import load_experiment
from benchlab.analysis.report import write_report
from benchlab.analysis.validate import verdicts
from tests.analysis.synthetic import write_experiment
from tests.faults.helpers import cli, toy_experiment


def test_identical_experiments_give_identical_results_checksums(tmp_path, capsys):
    config = toy_experiment(tmp_path, seeds=2)
    for name in ("a", "b"):
        assert cli(capsys, "compare", config, "--out", tmp_path / name, "--jobs", "1", "-q", "--no-report")[0] == 0
    a, b = load_experiment(tmp_path / "a"), load_experiment(tmp_path / "b")
    file = "runs/tests.toy_make_toy_benchmark/rs/seed-0000.parquet"
    assert (tmp_path / "a" / file).read_bytes() != (tmp_path / "b" / file).read_bytes()  # wall times differ
    assert a.results_sha256 == b.results_sha256 and a.file_checksums == b.file_checksums


def _reordered(root, out):
    """The same experiment with benchmarks and strategies listed in the opposite order."""
    manifest = json.loads((root / "manifest.json").read_text())
    for key in ("benchmarks", "strategies"):
        manifest[key] = dict(reversed(list(manifest[key].items())))
    (out / "manifest.json").write_text(json.dumps(manifest))


def test_bootstrap_intervals_do_not_depend_on_the_order_of_the_config(tmp_path):
    root = write_experiment(tmp_path / "e", {"a": 0.02, "b": 0.03, "c": 0.05}, benchmarks=("t/1", "t/2", "t/3"),
                            seeds=6, queries=20)
    first = load_experiment(root)
    _reordered(root, root)
    second = load_experiment(root)
    assert first.benchmarks == tuple(reversed(second.benchmarks))

    def table(e):
        return performance.final_table(e).sort_values(["benchmark", "strategy", "fraction"]).reset_index(drop=True)

    pd.testing.assert_frame_equal(table(first), table(second)[table(first).columns])
    grid, by_key = performance.query_curves(first)
    grid2, by_key2 = performance.query_curves(second)
    one = performance.normalised_iqm_over_queries(first, grid, by_key)
    two = performance.normalised_iqm_over_queries(second, grid2, by_key2)
    for s in one:
        for x, y in zip(one[s], two[s]):
            np.testing.assert_allclose(x, y)
    v1, v2 = verdicts(first, "a", ["b", "c"]), verdicts(second, "a", ["b", "c"])
    assert [(o.baseline, o.low, o.high) for o in v1.overall] == [(o.baseline, o.low, o.high) for o in v2.overall]


def test_html_special_text_is_escaped_in_report_md(tmp_path):
    root = write_experiment(tmp_path / "e", {"a": 0.02, "b": 0.03}, benchmarks=("t/1",), seeds=3, queries=10)
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["benchmarks"]["t/1"]["description"] = "<script>alert(1)</script> | pipes"
    manifest["strategies"]["a"]["class"] = "<img src=x onerror=alert(1)>"
    manifest["name"] = "<b>bold</b>"
    (root / "manifest.json").write_text(json.dumps(manifest))
    write_report(root, quiet=True)
    text = (root / "report.md").read_text()
    assert "<script" not in text and "<img" not in text and "<b>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; \\| pipes" in text and "# benchlab report: &lt;b&gt;bold" in text
    assert "<script" not in (root / "index.html").read_text()
