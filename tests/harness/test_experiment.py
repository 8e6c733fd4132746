import io
import json

import pyarrow.parquet as pq
import pytest
from pandas.testing import assert_frame_equal

from benchlab.harness import storage
from benchlab.harness.config import load_config
from benchlab.harness.experiment import build_tasks, run_experiment
from benchlab.harness.results import final_results, format_tables, summary_tables
from benchlab.harness.tasks import METADATA_KEY, execute
from tests.harness.helpers import TOY, TOY_NO_TEST, toy_config

WALL_COLUMNS = ["strategy_wall_s"]


def run_tables(out_dir):
    """Every run file's table (wall-time columns dropped) keyed by its path inside the runs folder."""
    root = out_dir / "runs"
    return {
        str(path.relative_to(root)): pq.read_table(path).drop_columns(WALL_COLUMNS).replace_schema_metadata(None)
        for path in sorted(root.rglob("*.parquet"))
    }


def assert_same_results(a, b):
    ta, tb = run_tables(a), run_tables(b)
    assert ta.keys() == tb.keys() and ta
    for name in ta:
        assert_frame_equal(ta[name].to_pandas(), tb[name].to_pandas(), check_exact=True, obj=name)


def test_experiment_writes_one_file_per_run_and_a_manifest(tmp_path):
    config = load_config(toy_config(tmp_path))
    out = tmp_path / "out"
    summary = run_experiment(config, out, jobs=1, quiet=True)
    assert (summary.total, summary.ran, summary.skipped, summary.n_failed) == (12, 12, 0, 0)
    tables = run_tables(out)
    assert len(tables) == 12
    assert "tests.toy_make_toy_benchmark/rs-dedupe/seed-0002.parquet" in tables
    table = pq.read_table(out / "runs" / "tests.toy_make_toy_benchmark" / "rs" / "seed-0001.parquet")
    meta = json.loads(table.schema.metadata[METADATA_KEY])
    assert meta["benchmark"] == TOY and meta["strategy"] == "rs" and meta["seed"] == 1
    assert meta["status"] == "complete" and len(meta["settings_hash"]) == 32
    assert table.num_rows == 20 and table.column("benchmark")[0].as_py() == TOY

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["name"] == "toy-exp" and manifest["seeds"] == 3
    assert manifest["budget"] == {"queries": 20, "time": None}
    assert manifest["strategies"]["rs-dedupe"] == {"class": "algorithms.random_search:RandomSearch",
                                                  "params": {"dedupe": True}}
    assert manifest["benchmarks"][TOY]["has_test_metric"] is True
    assert manifest["benchmarks"][TOY_NO_TEST]["has_test_metric"] is False
    assert len(manifest["benchmarks"][TOY]["checksum"]) == 64
    assert manifest["versions"]["numpy"] and manifest["started"] and manifest["finished"]
    assert manifest["runs"] == {"total": 12, "ran": 12, "reused": 0, "failed": 0}


def test_same_config_twice_gives_identical_results(tmp_path):
    config = load_config(toy_config(tmp_path, extra="workers = 3"))
    run_experiment(config, tmp_path / "a", jobs=1, quiet=True)
    run_experiment(config, tmp_path / "b", jobs=1, quiet=True)
    assert_same_results(tmp_path / "a", tmp_path / "b")


def test_one_process_and_two_processes_agree(tmp_path):
    config = load_config(toy_config(tmp_path))
    run_experiment(config, tmp_path / "serial", jobs=1, quiet=True)
    run_experiment(config, tmp_path / "parallel", jobs=2, quiet=True)
    assert_same_results(tmp_path / "serial", tmp_path / "parallel")


def test_a_run_does_not_depend_on_the_rest_of_the_grid(tmp_path):
    full = load_config(toy_config(tmp_path))
    single = load_config(toy_config(tmp_path), benchmarks=[TOY_NO_TEST], strategies=["rs-dedupe"], seeds=3)
    run_experiment(full, tmp_path / "full", jobs=1, quiet=True)
    run_experiment(single, tmp_path / "single", jobs=1, quiet=True)
    a, b = run_tables(tmp_path / "full"), run_tables(tmp_path / "single")
    assert len(b) == 3
    for name, table in b.items():
        assert_frame_equal(a[name].to_pandas(), table.to_pandas(), check_exact=True)


def test_seeds_and_strategies_get_different_streams(tmp_path):
    config = load_config(toy_config(tmp_path))
    tasks = build_tasks(config, {b: {"checksum": "x"} for b in config.benchmarks})
    keys = {}
    for task in tasks[:8]:
        table = pq.read_table(io.BytesIO(execute(task).parquet))
        keys[(task.benchmark, task.strategy, task.seed)] = tuple(table.column("arch_key").to_pylist())
    assert len(set(keys.values())) == len(keys)


def test_rerun_skips_finished_runs_and_redoes_changed_settings(tmp_path):
    config = load_config(toy_config(tmp_path))
    out = tmp_path / "out"
    run_experiment(config, out, jobs=1, quiet=True)
    path = out / "runs" / "tests.toy_make_toy_benchmark" / "rs" / "seed-0000.parquet"
    before = path.stat().st_mtime_ns
    again = run_experiment(config, out, jobs=1, quiet=True)
    assert (again.ran, again.skipped) == (0, 12)
    assert path.stat().st_mtime_ns == before

    more = load_config(toy_config(tmp_path), seeds=4)
    grown = run_experiment(more, out, jobs=1, quiet=True)
    assert (grown.ran, grown.skipped) == (4, 12)

    longer = load_config(toy_config(tmp_path), budget_queries=25)
    redone = run_experiment(longer, out, jobs=1, quiet=True)
    assert (redone.ran, redone.skipped) == (12, 0)
    assert pq.read_table(path).num_rows == 25


def test_runs_made_before_a_strategy_default_changed_are_redone(tmp_path, monkeypatch):
    """A run's settings include the strategy's defaults, so runs of the same experiment file
    made before a default changed (an upgrade) are not reused as if they were current."""
    from algorithms.random_search import RandomSearch

    config = load_config(toy_config(tmp_path))
    out = tmp_path / "out"
    run_experiment(config, out, jobs=1, quiet=True)
    default = RandomSearch.__init__.__kwdefaults__["dedupe"]
    monkeypatch.setitem(RandomSearch.__init__.__kwdefaults__, "dedupe", not default)
    changed = run_experiment(config, out, jobs=1, quiet=True)
    # "rs" takes the default: its 6 runs are redone; "rs-dedupe" sets it: its 6 are reused
    assert (changed.ran, changed.skipped) == (6, 6)
    [spec] = [spec for label, spec in config.strategies.items() if label == "rs"]
    assert spec.hashed_defaults() == {"dedupe": not default}


def test_defaults_in_the_settings_hash_are_stable_text():
    from benchlab.harness.strategy_specs import _stable

    assert _stable({"a": (1, 2.5, None, "x"), "b": True}) == {"a": [1, 2.5, None, "x"], "b": True}
    assert _stable(object()) == "<builtins.object>"  # not its repr, which holds an address


def test_corrupt_or_stray_files_are_redone_or_removed(tmp_path):
    config = load_config(toy_config(tmp_path, seeds=1))
    out = tmp_path / "out"
    run_experiment(config, out, jobs=1, quiet=True)
    path = out / "runs" / "tests.toy_make_toy_benchmark" / "rs" / "seed-0000.parquet"
    path.write_bytes(path.read_bytes()[:100])  # truncated by hand
    stray = path.parent / f"{storage.TMP_PREFIX}seed-0000.parquet.abc_1234~benchlab"
    stray.write_bytes(b"half a file")
    users_own = [path.parent / ".tmp-notes.txt", out / "sub" / f"{storage.TMP_PREFIX}x.abc_1234~benchlab"]
    for other in users_own:
        other.parent.mkdir(exist_ok=True)
        other.write_text("the user's")
    summary = run_experiment(config, out, jobs=1, quiet=True)
    assert summary.ran == 1 and not stray.exists()
    assert [p.read_text() for p in users_own] == ["the user's"] * 2
    assert summary.damaged and summary.damaged[0][0] == path
    assert pq.read_table(path).num_rows == 20


@pytest.mark.parametrize("jobs", [1, 2])
def test_failed_runs_are_recorded_and_the_rest_go_on(tmp_path, jobs):
    config = load_config(toy_config(tmp_path), user_strategies=["tests.harness.helpers:FailingSearch"])
    out = tmp_path / "out"
    summary = run_experiment(config, out, jobs=jobs, quiet=True)
    assert summary.n_failed == 6 and summary.ran == 12
    failed = sorted((out / "runs").rglob("*.failed.json"))
    assert len(failed) == 6
    record = json.loads(failed[0].read_text())
    assert record["strategy"] == "FailingSearch"
    assert "deliberate failure" in record["error"] and "Traceback" in record["traceback"]
    assert not list((out / "runs").rglob("FailingSearch/*.parquet"))
    # a failed run is not "finished": the next invocation tries it again
    again = run_experiment(config, out, jobs=1, quiet=True)
    assert again.n_failed == 6 and again.skipped == 12


def test_final_table_uses_test_regret_or_validation_regret(tmp_path):
    config = load_config(toy_config(tmp_path))
    out = tmp_path / "out"
    run_experiment(config, out, jobs=1, quiet=True)
    finals = final_results(out, config)
    assert len(finals) == 12 and (finals["evaluations"] == 20).all()
    tables = summary_tables(finals)
    assert tables[TOY][0] == "test_regret"
    assert tables[TOY_NO_TEST][0] == "valid_regret"
    stats = tables[TOY][1]
    rs = finals[(finals.benchmark == TOY) & (finals.strategy == "rs")]["test_regret"]
    assert stats.loc["rs", "mean"] == pytest.approx(rs.mean())
    assert stats.loc["rs", "se"] == pytest.approx(rs.std(ddof=1) / 3**0.5)
    text = format_tables(tables)
    assert f"{TOY}: final test regret" in text and f"{TOY_NO_TEST}: final validation regret" in text


def test_slug_replaces_unsafe_characters():
    assert storage.slug("nb201/cifar10") == "nb201_cifar10"
    assert storage.slug("nb101:/data/x y.h5") == "nb101__data_x_y.h5"


def test_missing_dask_is_a_clear_user_error(tmp_path, monkeypatch):
    import sys

    from benchlab.errors import UserError

    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    config = load_config(toy_config(tmp_path, seeds=1))
    with pytest.raises(UserError, match=r"pip install 'benchlab\[dask\]'"):
        run_experiment(config, tmp_path / "out", dask_local=1, quiet=True)
    assert not (tmp_path / "out").exists()
