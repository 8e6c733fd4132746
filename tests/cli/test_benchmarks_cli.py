import pytest

from benchlab.benchmarks import registry
from benchlab.benchmarks.registry import BenchmarkEntry
from benchlab.cli import main
from benchlab.harness.benchmarks import try_open

BEST_CIFAR10 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_benchmarks_lists_spaces_metrics_and_costs(capsys):
    code, out, _ = run(capsys, "benchmarks", "nb201")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("name") and "time cost" in lines[0] and "get it with" in lines[0]
    assert [line.split()[0] for line in lines[1:]] == ["nb201/cifar10", "nb201/cifar100", "nb201/imagenet16-120"]
    assert all("15,625" in line and " 200 " in line for line in lines[1:])
    code, out, _ = run(capsys, "benchmarks", "graph/pro")
    assert code == 0 and "2,021" in out and "no (1/query)" in out


def test_absent_data_shows_the_command_that_gets_it(capsys, monkeypatch):
    def never_loaded():
        raise AssertionError("a benchmark without data must not be loaded")

    fake = {
        "nb101": BenchmarkEntry("nb101", never_loaded, lambda: False, "make data", "NAS-Bench-101"),
    }
    monkeypatch.setattr(registry, "entries", lambda: fake)
    code, out, _ = run(capsys, "benchmarks")
    row = out.splitlines()[1]
    assert code == 0 and row.startswith("nb101") and row.endswith("no   make data")


def test_unknown_prefix_is_one_line_and_exit_2(capsys):
    code, out, err = run(capsys, "benchmarks", "nb999")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "nb999" in err


def test_query_prints_every_repeat_and_the_mean(capsys):
    code, out, _ = run(capsys, "query", "nb201/cifar10", BEST_CIFAR10)
    assert code == 0
    assert "key        3,3,3,1,3,2" in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.split()[0] in {"0", "1", "2", "mean"}}
    assert sorted(rows) == ["0", "1", "2", "mean"]
    # columns: valid, params, latency, train_time (every declared objective)
    assert rows["0"][0] == "0.91684" and rows["0"][-1] == "2879.75"
    assert rows["mean"][0] == "0.916067" and rows["mean"][-1] == "2879.75"
    assert "objectives valid (max" in out and "params (min, parameters)" in out and "latency" in out
    code, out, _ = run(capsys, "query", "graph/cora", "0,0,1,2|gcn,gat,sage,skip")
    assert code == 0 and "test" in out and "cost (queries)" in out


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["query", "nb201/cifar1000", "333132"], "unknown benchmark 'nb201/cifar1000'"),
        (["query", "nb201/cifar10", "|none~0|+|none~0|"], "cannot read"),
        (["query", "graph/cora", "0,0,0,0|skip,skip,skip,skip"], "skip connections only"),
        (["query", "fcnet/naval_propulsion", "0,0,0,0,0,0,0,0,0", "--fidelity", "12"], "fidelity '12'"),
    ],
)
def test_query_errors_are_one_line_and_exit_2(capsys, argv, fragment):
    # a table converted on first use notes it on stderr: convert before, so only the error is left
    unknown = fragment.startswith("unknown benchmark")
    if not unknown and (problem := try_open(argv[1])):
        pytest.skip(problem)
    capsys.readouterr()
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and fragment in err
