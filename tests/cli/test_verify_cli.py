import pytest

from benchlab.cli import main
from benchlab.cli import verify as verify_cli
from tests.train.helpers import stub_for_table, write_tiny_table


@pytest.fixture
def tiny(tmp_path):
    return write_tiny_table(tmp_path)


def test_verify_writes_the_table_and_figure(tiny, tmp_path, monkeypatch, capsys):
    table, keys = tiny
    stub = stub_for_table([0.53, 0.41, 0.22, 0.63])
    monkeypatch.setattr(verify_cli, "make_trainer", lambda args, table=None: stub)
    out = tmp_path / "out"
    code = main(["verify", "--cells", ",".join(keys), "--table", f"nb101:{table.path}", "--out", str(out),
                 "--cache", str(tmp_path / "live"), "--quiet"])
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["verify.png", "verify_cells.csv", "verify_runs.csv", "verify_summary.json"]
    printed = capsys.readouterr().out
    assert "Kendall tau live vs table: validation 1.000" in printed
    assert len(stub.calls) == 4


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--cells", "0" * 32], "no cell with module hash"),
        (["--cells", "0110|input,output"], ""),
        (["--cells", "{key}", "--epochs", "0"], "--epochs"),
        (["--cells", "{key}", "--repeats", "0"], "--repeats"),
        (["--from", "{tmp}/no-experiment"], "no run files"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(tiny, tmp_path, monkeypatch, capsys, extra, message):
    table, keys = tiny
    monkeypatch.setattr(verify_cli, "make_trainer", lambda args, table=None: pytest.fail("must not train"))
    out = tmp_path / "out"
    extra = [e.format(key=keys[0], tmp=tmp_path) for e in extra]
    code = main(["verify", *extra, "--table", f"nb101:{table.path}", "--out", str(out), "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("benchlab: error: ") and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_missing_table_and_missing_source_exit_2(tmp_path, capsys):
    assert main(["verify", "--cells", "a" * 32, "--table", f"nb101:{tmp_path}/none.h5", "--out", str(tmp_path / "o")]) == 2
    assert "no such file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["verify", "--epochs", "4"])  # neither --cells nor --from
    assert exc.value.code == 2
    assert not (tmp_path / "o").exists()


def test_verify_from_an_experiment_uses_its_table(tiny, tmp_path, monkeypatch, capsys):
    from tests.train.test_verify import run_file

    table, keys = tiny
    experiment = tmp_path / "exp"
    name = f"nb101:{table.path}"
    run_file(experiment / "runs/a/rs/seed-0000.parquet", name, [keys[1], keys[2]])
    run_file(experiment / "runs/a/rs/seed-0001.parquet", name, [keys[2]])
    run_file(experiment / "runs/a/re/seed-0000.parquet", name, [keys[3]])
    stub = stub_for_table([0.5, 0.4, 0.3, 0.2])
    monkeypatch.setattr(verify_cli, "make_trainer", lambda args, table=None: stub)
    code = main(["verify", "--from", str(experiment), "--max-cells", "2", "--cache", str(tmp_path / "live"), "--quiet"])
    assert code == 0
    import pandas as pd

    cells = pd.read_csv(experiment / "verify" / "verify_cells.csv")
    assert cells["key"].tolist() == [keys[2], keys[3]]  # the most frequent incumbent first
    assert cells["table_repeats"].tolist() == [3, 3]


def test_torch_is_needed_only_to_train(tmp_path):
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import benchlab.train.live_benchmark, benchlab.train.verify, benchlab.cli.verify\n"
        "from benchlab.errors import UserError\n"
        "try:\n"
        "    benchlab.cli.verify.make_trainer(None)\n"
        "except UserError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install benchlab[train]" in out


NB201_BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"


def test_verify_trains_nb201_cells_named_as_the_benchmark_names_them(tmp_path, monkeypatch, capsys):
    from benchlab.benchmarks.registry import get_benchmark
    from tests.train.helpers import StubTrainer

    stub = StubTrainer({}, default=0.9)
    seen_tables = []
    monkeypatch.setattr(verify_cli, "make_trainer", lambda args, table=None: seen_tables.append(table.name) or stub)
    out = tmp_path / "out"
    cells = f"{NB201_BEST},3,3,3,1,3,2,111111,2,2,2,2,2,2"  # the first two are one cell
    code = main(["verify", "--table", "nb201/cifar10", "--cells", cells, "--out", str(out),
                 "--cache", str(tmp_path / "live"), "--quiet"])
    assert code == 0, capsys.readouterr().err
    assert seen_tables == ["nb201/cifar10"]
    assert [epochs for *_, epochs in stub.calls] == [200, 200, 200]  # the table's budget by default
    assert stub.calls[0][0] == ("nor_conv_3x3",) * 3 + ("skip_connect", "nor_conv_3x3", "nor_conv_1x1")
    import pandas as pd

    report = pd.read_csv(out / "verify_cells.csv", dtype={"key": str})
    assert report["key"].tolist() == ["3,3,3,1,3,2", "1,1,1,1,1,1", "2,2,2,2,2,2"]
    table = get_benchmark("nb201/cifar10")
    best = table.space.parse(NB201_BEST)
    assert report["table_valid_mean"][0] == pytest.approx(table.means(best).valid)
    assert report["table_repeats"][0] == len(table.repeats(best))
    assert report["cell"][0] == NB201_BEST
    assert sorted(p.name for p in (tmp_path / "live").iterdir())[0].startswith("nb201-cifar10-")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--table", "nb201/cifar10", "--cells", "3,3,3,1"], "not six op indices"),
        (["--table", "nb201/cifar10", "--cells", "|nor_conv_3x3~0|"], "nb201: cannot read"),
        (["--cells", NB201_BEST], "--table nb201/cifar10"),
        (["--table", "nb201/imagenet16-120", "--cells", "333132"], "supports nb201/cifar10, nb201/cifar100"),
        (["--table", "nb201/cifar10", "--cells", "333132", "--data-dir", "{tmp}/empty"], "cifar-split.txt"),
    ],
)
def test_nb201_faults_exit_2_with_one_line_and_write_nothing(tmp_path, capsys, args, message):
    pytest.importorskip("torch")
    out = tmp_path / "out"
    args = [a.format(tmp=tmp_path) for a in args]
    code = main(["verify", *args, "--out", str(out), "--cache", str(tmp_path / "live"), "--quiet", "--device", "cpu"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("benchlab: error: ") and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists() and not (tmp_path / "live").exists()


def test_a_table_of_another_family_exits_2(tmp_path, monkeypatch, capsys):
    from benchlab.benchmarks import registry
    from benchlab.testing import make_toy_benchmark

    monkeypatch.setattr(registry, "get_benchmark", lambda name: make_toy_benchmark())
    code = main(["verify", "--table", "toy", "--cells", "1", "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "neither an NB101 table nor an NB201 dataset" in err and len(err.strip().splitlines()) == 1


def test_verify_from_an_nb201_experiment(tmp_path, monkeypatch):
    import pandas as pd

    from tests.train.helpers import StubTrainer
    from tests.train.test_verify import run_file

    experiment = tmp_path / "exp"
    run_file(experiment / "runs/a/rs/seed-0000.parquet", "nb201/cifar10", ["1,1,1,1,1,1", "3,3,3,1,3,2"])
    run_file(experiment / "runs/a/rs/seed-0001.parquet", "nb201/cifar10", ["3,3,3,1,3,2"])
    stub = StubTrainer({}, default=0.8)
    monkeypatch.setattr(verify_cli, "make_trainer", lambda args, table=None: stub)
    assert main(["verify", "--from", str(experiment), "--epochs", "2", "--cache", str(tmp_path / "live"), "--quiet"]) == 0
    cells = pd.read_csv(experiment / "verify" / "verify_cells.csv", dtype={"key": str})
    assert cells["key"].tolist() == ["3,3,3,1,3,2"] and [e for *_, e in stub.calls] == [2]
    assert cells["table_repeats"].tolist() == [0]  # the table has 200 epochs only
