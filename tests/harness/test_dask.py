"""Dask execution: same results as local processes, and survival of a dying worker."""

import pytest

from benchlab.harness.config import load_config
from benchlab.harness.experiment import run_experiment
from tests.harness.helpers import toy_config
from tests.harness.test_experiment import assert_same_results

pytest.importorskip("distributed")


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_results_as_local_processes(tmp_path):
    config = load_config(toy_config(tmp_path, extra="workers = 2"))
    run_experiment(config, tmp_path / "local", jobs=2, quiet=True)
    summary = run_experiment(config, tmp_path / "dask", dask_local=2, quiet=True)
    assert summary.ran == 12 and summary.ok
    assert_same_results(tmp_path / "local", tmp_path / "dask")


@pytest.mark.slow
def test_experiment_completes_when_a_dask_worker_dies(tmp_path):
    marker = tmp_path / "killed-once"
    config = load_config(
        toy_config(tmp_path, seeds=2, strategies=(
            '[strategies.rs]\nname = "rs"\n[strategies.victim]\nclass = "tests.harness.helpers:KillsItsWorkerOnce"\n'
            f'hyperparameters = {{ marker = "{marker}" }}\n')),
    )
    summary = run_experiment(config, tmp_path / "out", dask_local=2, quiet=True)
    assert marker.exists(), "a worker process should have been killed"
    assert summary.ok and summary.ran == 8
    assert len(list((tmp_path / "out" / "runs").rglob("*.parquet"))) == 8


def test_missing_scheduler_is_a_user_error(tmp_path, monkeypatch):
    from benchlab.errors import UserError

    monkeypatch.setattr("benchlab.harness.executors.DASK_CONNECT_TIMEOUT", "1s")
    config = load_config(toy_config(tmp_path, seeds=1))
    with pytest.raises(UserError, match="Dask scheduler"):
        run_experiment(config, tmp_path / "out", scheduler="tcp://127.0.0.1:1", quiet=True)
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_a_run_that_keeps_killing_workers_is_recorded_as_failed(tmp_path):
    import dask

    config = load_config(
        toy_config(tmp_path, seeds=1, strategies=(
            '[strategies.rs]\nname = "rs"\n[strategies.killer]\nclass = "tests.harness.helpers:AlwaysKillsItsWorker"\n')),
    )
    # one task per worker at a time, so no healthy run is on a worker when the killer takes it down
    settings = {"distributed.scheduler.allowed-failures": 1, "distributed.scheduler.worker-saturation": 1.0}
    with dask.config.set(settings):
        summary = run_experiment(config, tmp_path / "out", dask_local=2, quiet=True)
    assert summary.ran == 2 and summary.n_failed == 2
    assert all("KilledWorker" in failed.error for failed in summary.failed)
    assert len(list((tmp_path / "out" / "runs").rglob("killer/*.failed.json"))) == 2
