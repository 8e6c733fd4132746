import json

import numpy as np
import pytest

from benchlab.analysis.load import as_frame, load_experiment, run_file
from benchlab.errors import DataError


def test_loads_every_run_with_the_reported_regret(experiment_dir):
    e = load_experiment(experiment_dir)
    assert e.benchmarks == ("toy/a", "toy/b")
    assert e.strategies == ("good", "plain", "plain-twin")
    assert e.seeds == tuple(range(12))
    assert e.regret_column == {"toy/a": "test_regret", "toy/b": "valid_regret"}
    assert all(len(group) == 12 for group in e.runs.values())
    run = e.runs[("toy/a", "good")][3]
    assert run.seed == 3 and run.n_queries == 40
    assert np.all(np.diff(run.regret) <= 0)  # the synthetic incumbent only improves
    assert e.query_budget == 40 and e.time_budget is None
    assert len(e.file_checksums) == 2 * 3 * 12 and len(e.results_sha256) == 64
    frame = as_frame(e)
    assert len(frame) == 72 and set(frame.columns) >= {"benchmark", "strategy", "seed", "regret"}


def test_missing_run_files_are_named(experiment_dir):
    lost = [run_file(experiment_dir, "toy/a", "plain", 4), run_file(experiment_dir, "toy/b", "good", 0)]
    for path in lost:
        path.unlink()
    with pytest.raises(DataError) as info:
        load_experiment(experiment_dir)
    message = str(info.value)
    assert "2 run file(s) missing" in message
    assert "runs/toy_a/plain/seed-0004.parquet" in message and "runs/toy_b/good/seed-0000.parquet" in message
    assert "\n" not in message


def test_failed_runs_point_to_their_traceback(experiment_dir):
    path = run_file(experiment_dir, "toy/a", "plain", 2)
    path.unlink()
    path.with_suffix(".failed.json").write_text(json.dumps({"error": "boom"}))
    with pytest.raises(DataError, match=r"1 run\(s\) failed .*runs/toy_a/plain/seed-0002.parquet"):
        load_experiment(experiment_dir)


def test_corrupt_run_files_are_named(experiment_dir):
    bad = run_file(experiment_dir, "toy/b", "plain-twin", 7)
    bad.write_bytes(b"PAR1 this is not really parquet")
    with pytest.raises(DataError, match=r"1 run file\(s\) corrupt: runs/toy_b/plain-twin/seed-0007.parquet \(unreadable Parquet"):
        load_experiment(experiment_dir)


def test_a_file_without_the_regret_column_is_corrupt(experiment_dir):
    import pyarrow as pa
    import pyarrow.parquet as pq

    bad = run_file(experiment_dir, "toy/a", "good", 1)
    pq.write_table(pa.table({"step": [0], "sim_end": [1.0]}), bad)
    with pytest.raises(DataError, match="seed-0001.parquet"):
        load_experiment(experiment_dir)


def test_missing_or_broken_manifest(tmp_path, experiment_dir):
    with pytest.raises(DataError, match="does not exist"):
        load_experiment(tmp_path / "nowhere")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match="manifest.json is missing"):
        load_experiment(empty)
    (experiment_dir / "manifest.json").write_text("{not json")
    with pytest.raises(DataError, match="not valid JSON"):
        load_experiment(experiment_dir)
