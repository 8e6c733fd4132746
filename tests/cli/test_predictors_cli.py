"""`benchlab predictors`: the report it writes, and one-line errors that leave nothing behind."""

from __future__ import annotations

import pandas as pd
import pytest

from benchlab.cli import main
from benchlab.errors import UserError


@pytest.fixture(scope="module")
def nb201_present():
    from benchlab.benchmarks.registry import get_benchmark

    try:
        get_benchmark("nb201/cifar10")
    except (UserError, ImportError) as exc:
        pytest.skip(f"nb201/cifar10 unavailable: {exc}")


def test_writes_correlations_and_the_report(nb201_present, tmp_path, capsys):
    pytest.importorskip("torch")
    out = tmp_path / "report"
    code = main(["predictors", "nb201/cifar10", "--predictors", "gbt,rf,params", "--train-sizes", "10,30",
                 "--sample", "20", "--seeds", "2", "--out", str(out), "-q"])
    assert code == 0
    frame = pd.read_csv(out / "correlations.csv", dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["benchmark", "predictor", "n_train", "n_test", "spearman", "kendall",
                                   "precision_top1", "precision_top5"]
    assert frame[["predictor", "n_train"]].values.tolist() == [
        ["gbt", "10"], ["gbt", "30"], ["rf", "10"], ["rf", "30"], ["params", ""]]
    assert (frame["n_test"] == "20").all() and frame["kendall"].astype(float).between(-1, 1).all()
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 2 * 2 * 2  # predictors x sizes x seeds
    page = (out / "index.html").read_text()
    assert "Kendall tau" in page and "data:image/png;base64," in page and "zero-cost" in page
    assert (out / "figures" / "correlation-nb201_cifar10.svg").exists()
    assert "wrote 6 files" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["no-such-bench"], "unknown benchmark"),
        (["nb201/cifar10", "--predictors", "oracle"], "unknown predictor 'oracle'"),
        (["nb201/cifar10", "--train-sizes", "10,ten"], "--train-sizes must be comma-separated"),
        (["nb201/cifar10", "--train-sizes", "20000"], "lower --train-sizes or --sample"),
        (["nb201/cifar10", "--seeds", "0"], "--seeds must be at least 1"),
        (["nb201/cifar10", "--sample", "3"], "--sample must be at least 10"),
        (["fcnet/protein_structure", "--predictors", "synflow"], "network in PyTorch"),
        (["nb201/cifar10", "--predictors", "snip", "--proxy-data", "cifar10:{tmp}/nothing"], "CIFAR-10 is not in"),
        (["nb201/cifar10", "--predictors", "snip", "--proxy-data", "mnist"], "unknown proxy data source"),
        (["nb201/cifar10", "--out", "{tmp}/a-file"], "is a file"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(nb201_present, tmp_path, capsys, argv, message):
    if any("synflow" in a or "snip" in a for a in argv):
        pytest.importorskip("torch")
    (tmp_path / "a-file").write_text("mine")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    out = ["--out", str(tmp_path / "report")] if "--out" not in argv else []
    code = main(["predictors", *argv, *out, "-q"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("benchlab: error: ") and message in err and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert not (tmp_path / "report").exists()
    assert (tmp_path / "a-file").read_text() == "mine"
