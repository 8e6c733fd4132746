from benchlab.cli import main
from tests.analysis.synthetic import write_experiment


def test_report_command_writes_the_page_and_prints_its_path(tmp_path, capsys):
    root = write_experiment(tmp_path / "exp", {"a": 0.01, "b": 0.03}, benchmarks=("toy/x",), seeds=4, queries=8)
    assert main(["report", str(root), "-q"]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == str(root / "index.html") and out.err == ""
    assert (root / "index.html").is_file() and (root / "report.md").is_file()


def test_bad_folder_exits_2_with_one_line(tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("benchlab: error: experiment folder") and "Traceback" not in "".join(err)


def test_missing_runs_exit_2_naming_them(tmp_path, capsys):
    root = write_experiment(tmp_path / "exp", {"a": 0.01, "b": 0.03}, benchmarks=("toy/x",), seeds=3, queries=5)
    (root / "runs" / "toy_x" / "b" / "seed-0001.parquet").unlink()
    assert main(["report", str(root), "-q"]) == 2
    assert "runs/toy_x/b/seed-0001.parquet" in capsys.readouterr().err
    assert not (root / "index.html").exists()


def test_compare_ends_with_this_report(tmp_path):
    from tests.harness.helpers import toy_config

    out = tmp_path / "exp"
    assert main(["compare", str(toy_config(tmp_path, seeds=3, queries=12)), "--out", str(out), "--jobs", "1", "-q"]) == 0
    page = (out / "index.html").read_text()
    assert "benchlab report: toy-exp" in page and "3 seeds per pair" in page
    assert len(list((out / "figures").glob("regret_*.svg"))) == 2  # one per benchmark
