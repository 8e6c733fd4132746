"""Stable benchmark names and how to open them.

Each benchmark module (one file per benchmark) offers `registry_entries()` and is listed
in `_PROVIDERS` under its family (the part of its names before '/'); opening a name imports
only its family's module. A module may also open names with a prefix, such as
`nb101:PATH`, through `open_prefixed(name)`. Importing a family's module and calling its
`registry_entries()` must stay light (no numpy, no data package): `benchlab benchmarks`
does it for every family and loads only what declares no facts.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from benchlab.errors import DataError, UnknownNameError

if TYPE_CHECKING:  # not imported: listing the benchmarks needs no numpy
    from benchlab.benchmarks.base import Benchmark

#: family (the name before '/') -> module that provides its entries
_PROVIDERS = {
    "nb101": "benchlab.benchmarks.nb101",
    "nb201": "benchlab.benchmarks.nb201",
    "graph": "benchlab.benchmarks.graph",
    "fcnet": "benchlab.benchmarks.fcnet",
    "hpobench": "benchlab.benchmarks.hpobench",
}
#: prefix before ':' -> module that opens such names
_PREFIXES = {"nb101": "benchlab.benchmarks.nb101", "live": "benchlab.train.live_benchmark"}


@dataclass(frozen=True)
class BenchmarkFacts:
    """What `benchlab benchmarks` lists about a benchmark, known without loading its table."""

    space_size: int
    repeats: int
    metric: str
    fidelities: tuple
    has_time_cost: bool
    has_test_metric: bool
    objectives: tuple = ()  # the benchmark's Objective declarations (empty: not known without a load)

    @classmethod
    def of(cls, bench: Benchmark) -> "BenchmarkFacts":
        """The same facts read from a loaded benchmark."""
        size = bench.space.size if bench.space.size is not None else len(bench)
        return cls(size, bench.n_repeats, bench.metric, tuple(bench.fidelities), bench.has_time_cost, bench.has_test_metric,
                   tuple(bench.objectives))


@dataclass(frozen=True)
class BenchmarkEntry:
    name: str
    load: Callable[[], Benchmark]
    data_present: Callable[[], bool]
    get_command: str  # what a user runs when data_present() is False ("" when it ships)
    summary: str
    in_default_compare: bool = False
    #: the listing's facts without a load (None: `benchlab benchmarks` loads the benchmark)
    facts: Callable[[], BenchmarkFacts] | None = None


@lru_cache(maxsize=None)
def _entries_of(module_name: str) -> dict[str, BenchmarkEntry]:
    return {entry.name: entry for entry in importlib.import_module(module_name).registry_entries()}


@lru_cache(maxsize=None)
def entries() -> dict[str, BenchmarkEntry]:
    found: dict[str, BenchmarkEntry] = {}
    for module_name in _PROVIDERS.values():
        found.update(_entries_of(module_name))
    return found


def names() -> list[str]:
    return list(entries())


@lru_cache(maxsize=32)
def get_benchmark(name: str) -> Benchmark:
    """Open a benchmark by name (cached per process: tables are read once)."""
    if ":" in name:
        prefix = name.split(":", 1)[0]
        if prefix in _PREFIXES:
            return importlib.import_module(_PREFIXES[prefix]).open_prefixed(name)
    # only the name's own provider is imported (a `benchlab query` pays for one family)
    provider = _PROVIDERS.get(name.split("/", 1)[0])
    table = _entries_of(provider) if provider else {}
    if name not in table:
        table = entries()
    if name not in table:
        raise UnknownNameError(
            f"unknown benchmark {name!r}; `benchlab benchmarks` lists the names "
            f"(for example {', '.join(list(table)[:4])})"
        )
    entry = table[name]
    if not entry.data_present():
        raise DataError(f"benchmark {name!r} has no data here; get it with `{entry.get_command}`")
    return entry.load()
