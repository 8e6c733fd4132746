"""NAS-Bench-Graph (9 node-classification datasets) from the `nas-bench-graph` package.

For every distinct architecture (26,206; 2,021 for proteins, which has its own smaller op
set) the package records the validation and test performance (accuracy; ROC-AUC for
proteins, as ogbn-proteins is scored), the latency and the parameter count, averaged over
its training runs, so each architecture has one repeat. It records no training time: every
query costs one unit, so only query budgets are meaningful.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from benchlab.benchmarks._package_entries import packaged_entries, unknown_dataset
from benchlab.benchmarks.objectives import declare
from benchlab.benchmarks.registry import BenchmarkFacts

if TYPE_CHECKING:
    from benchlab.benchmarks._package_tables import PackagedBenchmark
    from benchlab.benchmarks.table import Table

# numpy, the table code and the space (which imports nas_bench_graph) are imported by the
# functions that load: listing the benchmarks needs none of them.

DISTRIBUTION = "nas-bench-graph"
MODULE = "nas_bench_graph"
DATASETS = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv", "proteins")
IN_DEFAULT_COMPARE = ("cora", "photo")
#: distinct architectures per dataset, as the package records them (the listing shows it unloaded)
N_ARCHITECTURES = {"proteins": 2_021}
N_ARCHITECTURES_OTHERS = 26_206


def _source(dataset: str) -> str:
    return f"light/{dataset}.bench"


def ops_for(dataset: str) -> tuple[str, ...]:
    from benchlab.spaces.graph import OPS, PROTEINS_OPS

    return PROTEINS_OPS if dataset == "proteins" else OPS


def build_table(dataset: str) -> Table:
    import numpy as np

    from benchlab.benchmarks._package_tables import read_packaged_pickle
    from benchlab.benchmarks.table import Table

    # keys: the package's architecture hash (an int), the same key GraphSpace.key computes
    records = read_packaged_pickle(MODULE, _source(dataset), DISTRIBUTION)
    hashes = sorted(records)

    def column(field: str) -> np.ndarray:
        return np.array([float(records[h][field]) for h in hashes])

    return Table(
        keys=np.array([str(h) for h in hashes]),
        valid=column("valid_perf")[:, None, None],
        test=column("perf")[:, None, None],
        params=np.round(column("para") * 1e6),  # recorded in millions
        latency=column("latency"),
        cost=None,  # no training time recorded: one unit per query
        fidelities=(0,),  # one unnamed budget (served as fidelity None)
        meta={
            "source": f"{DISTRIBUTION}: {MODULE}/{_source(dataset)}",
            "valid": "validation performance (fraction)",
            "test": "test performance (fraction)",
            "cost": "none recorded: one unit per query",
        },
    )


def load(dataset: str) -> PackagedBenchmark:
    if dataset not in DATASETS:
        raise unknown_dataset("graph", dataset, DATASETS)
    from benchlab.benchmarks._package_tables import PackagedBenchmark, cached_table
    from benchlab.spaces.graph import GraphSpace

    table = cached_table(f"graph-{dataset}", DISTRIBUTION, lambda: build_table(dataset))
    space = GraphSpace(ops_for(dataset), name=f"graph-{dataset}", n_architectures=len(table.keys))
    score = _score(dataset)
    return PackagedBenchmark(
        f"graph/{dataset}",
        space,
        table,
        metric=f"validation {score} (fraction)",
        named_fidelity=False,
        description=(
            f"NAS-Bench-Graph on {dataset}: {len(table.keys):,} distinct GNN architectures (4 layers, "
            f"link pattern + {len(space.ops)} ops), validation and test {score}, one averaged record each. "
            "No training time is recorded: every query costs one unit, so only query budgets apply."
        ),
    )


def _score(dataset: str) -> str:
    return "ROC-AUC" if dataset == "proteins" else "accuracy"  # ogbn-proteins is scored by ROC-AUC


def facts(dataset: str) -> BenchmarkFacts:
    """What the loaded benchmark reports, without reading its table."""
    return BenchmarkFacts(
        space_size=N_ARCHITECTURES.get(dataset, N_ARCHITECTURES_OTHERS),
        repeats=1,
        metric=f"validation {_score(dataset)} (fraction)",
        fidelities=(None,),
        has_time_cost=False,
        has_test_metric=True,
        objectives=declare("valid", "test", "params", "latency", units={"valid": f"validation {_score(dataset)} (fraction)"}),
    )


def registry_entries():
    return packaged_entries(
        "graph",
        DATASETS,
        load,
        _source,
        module=MODULE,
        distribution=DISTRIBUTION,
        summary="NAS-Bench-Graph GNN architectures on {dataset} (validation and test score, 1 record)",
        in_default_compare=IN_DEFAULT_COMPARE,
        facts=facts,
    )
