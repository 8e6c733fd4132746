import pytest

from benchlab.cli import main
from tests.harness.helpers import TOY, TOY_NO_TEST

BENCHES = f"{TOY},{TOY_NO_TEST}"


def validate(*args):
    return main(["validate", *map(str, args)])


@pytest.mark.slow
def test_validate_runs_judges_reports_and_reuses_baselines(tmp_path, capsys):
    out = tmp_path / "validate"
    args = ("algorithms.local_search:LocalSearch", "--against", "rs", "--benchmarks", BENCHES, "--seeds", "8",
            "--budget-queries", "40", "--out", out, "--jobs", "1", "-q")
    assert validate(*args) == 0
    printed = capsys.readouterr().out
    assert f"{TOY} (test regret):" in printed and f"{TOY_NO_TEST} (valid regret):" in printed
    assert "Holm over 2 comparisons" in printed
    assert "verdict: LocalSearch is better than rs" in printed  # local search beats random search on the smooth toy
    assert f"report: {out / 'index.html'}" in printed
    assert "Validation of LocalSearch" in (out / "index.html").read_text()

    baseline = next((out / "runs").glob("*/rs/seed-0000.parquet"))
    mine = next((out / "runs").glob("*/LocalSearch/seed-0000.parquet"))
    before = (baseline.stat().st_mtime_ns, mine.stat().st_mtime_ns)
    assert validate(*args) == 0
    assert baseline.stat().st_mtime_ns == before[0]  # baseline reused
    assert mine.stat().st_mtime_ns != before[1]  # the user's strategy is always rerun


def test_a_strategy_equal_to_the_baseline_is_not_called_better(tmp_path, capsys):
    out = tmp_path / "validate"
    code = validate("algorithms.random_search:RandomSearch", "--against", "rs", "--benchmarks", TOY, "--seeds", "6",
                    "--budget-queries", "10", "--out", out, "--jobs", "1", "-q")
    assert code == 0
    printed = capsys.readouterr().out
    # Same class under another label: independent seeds, same distribution.
    assert "verdict: RandomSearch is not distinguishable from rs" in printed


@pytest.mark.parametrize(
    "args, message",
    [
        (("no_colon_here",), "module:Class"),
        (("no_such_module_xyz:Thing", "--benchmarks", TOY), "no_such_module_xyz"),
        (("algorithms.random_search:RandomSearch", "--against", "nope", "--benchmarks", TOY), "unknown strategy 'nope'"),
        (("algorithms.random_search:RandomSearch", "--benchmarks", "no/such-bench"), "no/such-bench"),
        (("algorithms.random_search:RandomSearch", "--against", ",", "--benchmarks", TOY), "--against"),
        (("algorithms.random_search:RandomSearch", "--seeds", "0", "--benchmarks", TOY), "seeds"),
        (("tests.harness.helpers:OffTheGrid", "--benchmarks", TOY),
         "strategy OffTheGrid breaks the contract: ask() proposed (9, 9, 9, 9)"),
    ],
)
def test_bad_input_exits_2_without_output(tmp_path, capsys, args, message):
    out = tmp_path / "v"
    assert validate(*args, "--out", out, "-q") == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert err.startswith("benchlab: error:") and err.count("\n") == 1
    assert not out.exists()
