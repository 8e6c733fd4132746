
import numpy as np
import pytest

from benchlab.benchmarks import hpobench
from benchlab.benchmarks._package_tables import read_packaged_pickle
from benchlab.errors import UnknownNameError, UserError


def raw_records(dataset):
    family = hpobench.FAMILY  # the package's own pickle, read directly
    return read_packaged_pickle(family.module, family.source(dataset), family.distribution)


@pytest.fixture(scope="module")
def kc1():
    return hpobench.load("kc1")


def test_space_and_table_shape(kc1):
    assert len(kc1) == kc1.space.size == 30_000
    assert kc1.n_repeats == 5
    assert kc1.space.decision_sizes == (10, 10, 3, 10, 10)
    assert kc1.space.encoding_size == 5  # all five hyperparameters are ordinal
    assert kc1.fidelities == (None,)
    assert kc1.has_time_cost and not kc1.has_test_metric
    with pytest.raises(UserError, match="fidelity 243"):
        kc1.query((0, 0, 0, 0, 0), np.random.default_rng(0), fidelity=243)


def test_known_records_and_optimum_match_the_package(kc1):
    raw = raw_records("kc1")
    assert {len(r["val_acc"]) for r in raw.values()} == {5}
    best = max(raw, key=lambda k: sum(raw[k]["val_acc"]))  # 5 seeds everywhere: sum orders as the mean
    assert kc1.optimum.valid == pytest.approx(np.mean(raw[best]["val_acc"]), rel=1e-12)
    for digits in (best, "00000", "99299", "31215"):
        arch = tuple(int(c) for c in digits)
        observed = kc1.repeats(arch)
        assert [o.valid for o in observed] == raw[digits]["val_acc"]
        assert [o.cost for o in observed] == raw[digits]["train_time"]


def test_unknown_dataset():
    with pytest.raises(UnknownNameError, match="credit_g"):
        hpobench.load("credit-g")
