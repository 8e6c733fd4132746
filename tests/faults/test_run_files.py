"""Damaged run files are found, redone (and said so) by compare, and never reported from."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from benchlab.harness.integrity import METADATA_KEY, WALL_COLUMNS
from tests.faults.helpers import cli, expect_error, snapshot, toy_experiment

RUNS = "runs/tests.toy_make_toy_benchmark"


def _compare(capsys, config, out, *extra):
    return cli(capsys, "compare", config, "--out", out, "--jobs", "1", "-q", "--no-report", *extra)


def _contents(path):
    # pandas: NaN equals NaN (the objective columns of a single-objective run are NaN)
    return pq.read_table(path).drop_columns(list(WALL_COLUMNS)).replace_schema_metadata(None).to_pandas()


@pytest.fixture
def experiment(tmp_path, capsys):
    config = toy_experiment(tmp_path)
    out = tmp_path / "exp"
    code, _, err = _compare(capsys, config, out)
    assert code == 0, err
    return config, out


def _flip_that_changes_test_regret(path):
    """A one-byte change inside a data page that still decodes but changes a test_regret value."""
    data = path.read_bytes()
    original = pq.read_table(path).column("test_regret").to_pylist()
    meta = pq.ParquetFile(path).metadata.row_group(0)
    chunk = next(meta.column(i) for i in range(meta.num_columns) if meta.column(i).path_in_schema == "test_regret")
    start = chunk.dictionary_page_offset or chunk.data_page_offset
    for position in range(start + 16, start + chunk.total_compressed_size):  # past the page header
        damaged = bytearray(data)
        damaged[position] ^= 0x10
        path.write_bytes(bytes(damaged))
        try:
            values = pq.read_table(path).column("test_regret").to_pylist()
        except Exception:
            continue
        if values != original:
            return
    raise AssertionError("no single-byte change altered test_regret")


DAMAGES = {
    "a byte in a data page": _flip_that_changes_test_regret,
    "zeros in the middle": lambda p: p.write_bytes(p.read_bytes()[:200] + bytes(32) + p.read_bytes()[232:]),
    "truncated": lambda p: p.write_bytes(p.read_bytes()[:-300]),
    "no metadata": lambda p: pq.write_table(pq.read_table(p).replace_schema_metadata(None), p),
    "another seed's file": lambda p: p.write_bytes((p.parent / "seed-0001.parquet").read_bytes()),
}


@pytest.mark.parametrize("damage", DAMAGES, ids=list(DAMAGES))
def test_a_damaged_run_file_is_not_reported_and_is_redone(experiment, capsys, damage):
    config, out = experiment
    path = out / RUNS / "rs" / "seed-0000.parquet"
    good = _contents(path)
    DAMAGES[damage](path)

    expect_error(capsys, out, ["report", out, "-q"], "seed-0000.parquet", "corrupt", "rerun `benchlab compare`")

    code, _, err = _compare(capsys, config, out)
    assert code == 0, err
    assert "damaged run file(s) were redone" in err and "seed-0000.parquet" in err
    assert _contents(path).equals(good)
    if damage == "truncated":  # once: the report reads the redone file
        code, _, err = cli(capsys, "report", out, "-q")
        assert code == 0, err


def test_a_folder_where_a_run_file_should_be(experiment, tmp_path, capsys):
    config, out = experiment
    path = out / RUNS / "re" / "seed-0001.parquet"
    path.unlink()
    path.mkdir()
    expect_error(capsys, tmp_path, ["compare", config, "--out", out, "--jobs", "1", "-q"],
                 "seed-0001.parquet is a folder", "move it away")


def test_a_damaged_manifest_is_one_line(experiment, capsys):
    _, out = experiment
    manifest = out / "manifest.json"
    for text, fragment in [("{not json", "not valid JSON"), ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
                           ('{"benchmarks": ["a"], "strategies": {}, "seeds": 1}', "'benchmarks' must be an object"),
                           ('{"benchmarks": {"t": {}}, "strategies": {"../../x": {}}, "seeds": 1}', "not a plain name"),
                           ('{"benchmarks": {"../x": {}}, "strategies": {"rs": {}}, "seeds": 1}', "not a plain name"),
                           ('{"benchmarks": {"t a  b": {}}, "strategies": {"rs": {}}, "seeds": 1}', "not a plain name"),
                           ('{"benchmarks": {"t ../b": {}}, "strategies": {"rs": {}}, "seeds": 1}', "not a plain name"),
                           ('{"benchmarks": {"t": {}}, "strategies": {"rs": {}}, "seeds": 10000000}', "above the limit"),
                           ('[1, 2]', "not a JSON object")]:
        manifest.write_text(text)
        expect_error(capsys, out, ["report", out, "-q"], fragment)


def test_multi_objective_problem_labels_are_plain_names():
    from benchlab.analysis.load import _check_names

    _check_names({"benchmarks": {"nb201/cifar10 valid-vs-params": {}, "graph/cora": {}}, "strategies": {"nsga2": {}}},
                 Path("manifest.json"))


def test_a_file_from_an_older_benchlab_is_redone_quietly_and_refused_by_report(experiment, capsys):
    config, out = experiment
    path = out / RUNS / "rs" / "seed-0001.parquet"
    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[METADATA_KEY])
    del meta["checksum"]
    pq.write_table(table.replace_schema_metadata({METADATA_KEY: json.dumps(meta)}), path)
    expect_error(capsys, out, ["report", out, "-q"], "seed-0001.parquet", "no checksum")
    code, _, err = _compare(capsys, config, out)
    assert code == 0 and "damaged" not in err, err
    assert "checksum" in json.loads(pq.read_table(path).schema.metadata[METADATA_KEY])


def test_a_stale_failure_record_goes_once_the_run_is_good(experiment, capsys):
    config, out = experiment
    stale = out / RUNS / "rs" / "seed-0000.failed.json"
    stale.write_text('{"error": "an earlier failure"}')
    code, _, err = _compare(capsys, config, out)
    assert code == 0 and not stale.exists(), err


def test_damage_found_on_reuse_leaves_other_runs_alone(experiment, capsys):
    config, out = experiment
    path = out / RUNS / "re" / "seed-0001.parquet"
    path.write_bytes(b"PAR1 nothing")
    others = {k: v for k, v in snapshot(out).items() if k.endswith(".parquet") and "re/seed-0001" not in k}
    code, _, err = _compare(capsys, config, out)
    assert code == 0 and "1 damaged run file(s) were redone" in err
    assert {k: v for k, v in snapshot(out).items() if k in others} == others
