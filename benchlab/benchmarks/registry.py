"""Stable benchmark names and how to open them.

Each benchmark module (one file per benchmark) offers `registry_entries()`; a module may
also open names with a prefix, such as `nb101:PATH`, through `open_prefixed(name)`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from benchlab.benchmarks.base import Benchmark
from benchlab.errors import DataError, UnknownNameError

_PROVIDERS = (
    "benchlab.benchmarks.nb101",
    "benchlab.benchmarks.nb201",
    "benchlab.benchmarks.graph",
    "benchlab.benchmarks.fcnet",
    "benchlab.benchmarks.hpobench",
)
#: prefix before ':' -> module that opens such names
_PREFIXES = {"nb101": "benchlab.benchmarks.nb101", "live": "benchlab.train.live_benchmark"}


@dataclass(frozen=True)
class BenchmarkEntry:
    name: str
    load: Callable[[], Benchmark]
    data_present: Callable[[], bool]
    get_command: str  # what a user runs when data_present() is False ("" when it ships)
    summary: str
    in_default_compare: bool = False


@lru_cache(maxsize=None)
def entries() -> dict[str, BenchmarkEntry]:
    found: dict[str, BenchmarkEntry] = {}
    for module_name in _PROVIDERS:
        module = importlib.import_module(module_name)
        for entry in module.registry_entries():
            found[entry.name] = entry
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
