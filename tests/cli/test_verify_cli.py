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
