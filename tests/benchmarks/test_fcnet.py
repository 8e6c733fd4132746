import math

import numpy as np
import pytest

from benchlab.benchmarks import fcnet
from benchlab.benchmarks._package_tables import read_packaged_pickle


def raw_records(dataset):
    family = fcnet.FAMILY  # the package's own pickle, read directly
    return read_packaged_pickle(family.module, family.source(dataset), family.distribution)


@pytest.fixture(scope="module")
def naval():
    return fcnet.load("naval_propulsion")


def test_space_and_table_shape(naval):
    assert len(naval) == naval.space.size == 62_208
    assert naval.n_repeats == 4
    assert naval.space.decision_sizes == (2, 2, 4, 3, 3, 6, 2, 6, 6)
    # numeric hyperparameters are ordinal (one scaled entry), the 3 categorical ones one-hot
    assert naval.space.encoding_size == 6 + 3 * 2
    assert naval.metric == "negative validation MSE"
    assert naval.fidelities == (100,)
    assert naval.has_time_cost and not naval.has_test_metric


def test_known_records_and_optimum_match_the_package(naval):
    raw = raw_records("naval_propulsion")
    assert {len(r["val_loss"]) for r in raw.values()} == {4}
    best = min(raw, key=lambda k: sum(raw[k]["val_loss"]))  # 4 seeds everywhere: sum orders as the mean
    assert naval.optimum.valid == pytest.approx(-np.mean(raw[best]["val_loss"]), rel=1e-12)
    assert math.isnan(naval.optimum.test)
    for digits in (best, "000000000", "113221155", "010203040"):
        arch = tuple(int(c) for c in digits)
        observed = naval.repeats(arch)
        assert [o.valid for o in observed] == [-v for v in raw[digits]["val_loss"]]
        assert [o.cost for o in observed] == raw[digits]["train_time"]
        assert observed[0].params == raw[digits]["model_size"][0]


def test_text_form_names_the_hyperparameters(naval):
    arch = naval.space.parse(
        "activation_fn_1=relu,activation_fn_2=tanh,batch_size=64,dropout_1=0.3,dropout_2=0.0,"
        "init_lr=0.005,lr_schedule=const,n_units_1=512,n_units_2=16"
    )
    assert arch == (0, 1, 3, 1, 0, 2, 1, 5, 0)
    assert naval.space.parse(naval.space.format(arch)) == arch
