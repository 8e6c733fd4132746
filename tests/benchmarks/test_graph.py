import importlib.resources
import math
import pickle

import numpy as np
import pytest

from benchlab.benchmarks import graph
from benchlab.errors import InvalidArchitectureError, UnknownNameError, UserError


def raw_records(dataset):
    with (importlib.resources.files("nas_bench_graph") / "light" / f"{dataset}.bench").open("rb") as fh:
        return pickle.load(fh)


@pytest.fixture(scope="module")
def cora():
    return graph.load("cora")


@pytest.mark.parametrize("dataset", graph.DATASETS)
def test_every_dataset_has_the_package_architectures(dataset):
    bench = graph.load(dataset)
    assert len(bench) == bench.space.size == (2021 if dataset == "proteins" else 26_206)
    assert bench.n_repeats == 1
    assert bench.has_test_metric and not bench.has_time_cost
    assert bench.fidelities == (None,)
    assert "one unit" in bench.description


def test_known_records_and_optima_read_back_exactly(cora):
    raw = raw_records("cora")
    assert cora.optimum.valid == max(r["valid_perf"] for r in raw.values())
    assert cora.optimum.test == max(r["perf"] for r in raw.values())
    for text in ("0,0,1,2|gcn,gat,sage,skip", "0,1,2,3|gin,arma,cheb,fc", "0,0,0,0|graph,graph,graph,graph"):
        arch = cora.space.parse(text)
        record = raw[int(cora.space.key(arch))]
        obs = cora.query(arch, np.random.default_rng(0))
        assert (obs.valid, obs.test, obs.cost, obs.repeat) == (record["valid_perf"], record["perf"], 1.0, 0)
        assert obs.params == round(record["para"] * 1e6)
        assert cora.means(arch).test == record["perf"]


def test_equivalent_architectures_share_a_row(cora):
    a = cora.space.parse("0,0,1,2|gcn,gat,sage,fc")
    b = cora.space.parse("0,0,2,1|gat,gcn,sage,fc")
    assert a != b and cora.row_of(a) == cora.row_of(b)


def test_proteins_uses_its_own_op_set():
    proteins = graph.load("proteins")
    assert proteins.space.ops == ("gcn", "sage", "arma", "fc", "skip")
    assert proteins.metric.startswith("validation ROC-AUC")
    with pytest.raises(InvalidArchitectureError, match="unknown op 'gat'"):
        proteins.space.parse("0,0,0,0|gat,gcn,gcn,gcn")
    raw = raw_records("proteins")
    rng = np.random.default_rng(4)
    for _ in range(50):
        arch = proteins.space.sample(rng)
        assert proteins.query(arch, rng).test == raw[int(proteins.space.key(arch))]["perf"]


def test_unknown_dataset_and_fidelity(cora):
    with pytest.raises(UnknownNameError, match="cora"):
        graph.load("ogbn-arxiv")
    with pytest.raises(UserError, match="fidelity"):
        cora.query(cora.space.parse("0,0,0,0|gcn,gcn,gcn,gcn"), np.random.default_rng(0), fidelity=200)
    assert math.isnan(cora.query(cora.space.parse("0,0,0,0|gcn,gcn,gcn,gcn"), np.random.default_rng(0)).train)
