import base64
import re

import pandas as pd
import pytest

from benchlab.analysis.load import run_file
from benchlab.analysis.report import write_report
from benchlab.errors import DataError
from tests.analysis.synthetic import write_experiment


def test_report_files_for_every_benchmark(experiment_dir):
    index = write_report(experiment_dir, quiet=True)
    assert index == experiment_dir / "index.html"
    page = index.read_text()
    figures = experiment_dir / "figures"
    for name in ("regret_toy_a", "regret_toy_b", "normalised_iqm", "average_rank"):
        assert (figures / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (figures / f"{name}.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
        assert f"figures/{name}.png" in page
    # Self-contained: figures are embedded, nothing is fetched from elsewhere.
    images = re.findall(r'<img src="data:image/png;base64,([^"]+)"', page)
    assert len(images) >= 4 and all(base64.b64decode(i)[:4] == b"\x89PNG" for i in images)
    assert not re.search(r'(src|href)="(?!data:)', page)
    for needle in ("12 seeds", "test regret: the benchmark records a held-out test metric",
                   "validation regret: the benchmark records no separate test metric",
                   "median over seeds with the interquartile range", "sha256:" + "0" * 64,
                   "Results checksum", "Configuration", "Friedman test", "numpy"):
        assert needle in page, needle
    final = pd.read_csv(experiment_dir / "tables" / "final.csv")
    assert set(final.benchmark) == {"toy/a", "toy/b"} and set(final.fraction) == {0.1, 0.25, 0.5, 1.0}
    assert {"mean", "median", "iqm", "std", "ci_low", "ci_high", "success_rate"} <= set(final.columns)
    assert set(pd.read_csv(experiment_dir / "tables" / "ert.csv").columns) >= {"ert_queries", "ert_seconds"}
    pairs = pd.read_csv(experiment_dir / "tables" / "pairwise.csv")
    assert set(pairs.verdict[pairs.a == "good"]) == {"better"}
    files = pd.read_csv(experiment_dir / "tables" / "run_files.csv")
    assert len(files) == 2 * 3 * 12 and files.sha256.str.len().eq(64).all()
    markdown = (experiment_dir / "report.md").read_text()
    assert markdown.startswith("# benchlab report") and "![" in markdown and "| strategy |" in markdown


@pytest.mark.slow
def test_critical_difference_diagram_with_five_benchmarks(tmp_path):
    root = write_experiment(tmp_path / "five", {"a": 0.001, "b": 0.02, "c": 0.05},
                            benchmarks=[f"toy/{i}" for i in range(5)], seeds=4, queries=15)
    write_report(root, quiet=True)
    assert (root / "figures" / "critical_difference.svg").is_file()
    assert "blocks are benchmarks" in (root / "index.html").read_text()


def test_two_strategies_note_the_missing_cd_diagram(tmp_path):
    root = write_experiment(tmp_path / "two", {"a": 0.01, "b": 0.02}, benchmarks=("toy/x",), seeds=5, queries=10)
    page = write_report(root, quiet=True).read_text()
    assert "Critical-difference diagram omitted" in page and "(benchmark, seed) pairs" in page


def test_incomplete_experiment_writes_nothing(experiment_dir):
    run_file(experiment_dir, "toy/a", "good", 0).unlink()
    with pytest.raises(DataError, match="seed-0000.parquet"):
        write_report(experiment_dir, quiet=True)
    assert not (experiment_dir / "index.html").exists() and not (experiment_dir / "figures").exists()


def test_progress_lines_unless_quiet(tmp_path, capsys):
    root = write_experiment(tmp_path / "tiny", {"a": 0.01, "b": 0.02}, benchmarks=("toy/x",), seeds=3, queries=5)
    write_report(root)
    assert "report written to" in capsys.readouterr().err
    write_report(root, quiet=True)
    assert capsys.readouterr().err == ""


def test_the_page_states_the_significance_level_it_used(experiment_dir):
    from benchlab.analysis.load import load_experiment
    from benchlab.analysis.report import _markdown, compute

    data = compute(load_experiment(experiment_dir), alpha=0.01, figures=False)
    text = _markdown(data)
    assert "alpha=0.01" in text and "alpha=0.05" not in text


def test_importing_and_drawing_the_figures_keeps_the_callers_backend(experiment_dir):
    """A notebook that imports the analysis keeps its backend; the report is still written."""
    import subprocess
    import sys

    script = (
        "import matplotlib; matplotlib.use('svg')\n"
        "from benchlab.analysis.report import write_report\n"
        f"write_report({str(experiment_dir)!r}, quiet=True)\n"
        "assert matplotlib.get_backend() == 'svg', matplotlib.get_backend()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (experiment_dir / "figures" / "average_rank.png").read_bytes()[:4] == b"\x89PNG"
