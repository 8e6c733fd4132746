"""Opening the benchmarks an experiment names, and what its manifest records about them.

A name is a registry name (`nb201/cifar10`), a prefixed name the registry opens
(`nb101:PATH`), or a user's own `package.module:factory` whose call returns a Benchmark
(so a benchmark outside the project needs no registration). A factory's benchmark must
pass `benchlab.testing.check_benchmark` when it is opened, so a broken one stops the
experiment at loading, before any run. Opened benchmarks are cached per process, so a
worker process reads each table (and checks a factory's benchmark) once.
"""

from __future__ import annotations

import importlib
import re
from functools import lru_cache

from benchlab.benchmarks import registry
from benchlab.benchmarks.base import Benchmark
from benchlab.errors import UnknownNameError, UserError

_FACTORY = re.compile(r"^([A-Za-z_][\w.]*):([A-Za-z_]\w*)$")


@lru_cache(maxsize=32)
def open_benchmark(name: str) -> Benchmark:
    match = _FACTORY.match(name)
    if match and match.group(1) not in registry._PREFIXES:
        return _from_factory(name, match.group(1), match.group(2))
    return registry.get_benchmark(name)


def _from_factory(name: str, module_name: str, attr: str) -> Benchmark:
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UnknownNameError(f"cannot import benchmark module {module_name!r} ({exc}); check the name and PYTHONPATH") from None
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise UnknownNameError(f"module {module_name!r} has no benchmark factory {attr!r}")
    bench = factory()
    if not isinstance(bench, Benchmark):
        raise UnknownNameError(f"{name} returned {type(bench).__name__}, not a benchmark")
    from benchlab.testing import ConformanceError, check_benchmark

    try:
        check_benchmark(bench)
    except ConformanceError as exc:
        raise ConformanceError(f"benchmark factory {name}: {exc}") from exc
    return bench


def try_open(name: str) -> str | None:
    """None when `name` opens, else the one-line reason it does not."""
    try:
        open_benchmark(name)
    except UserError as exc:
        return str(exc)
    return None


def default_benchmarks() -> list[tuple[str, bool]]:
    """(name, data present) of the registry entries marked for the default comparison."""
    return [(e.name, e.data_present()) for e in registry.entries().values() if e.in_default_compare]


def shipped_benchmarks() -> list[tuple[str, bool]]:
    """(name, data present) of every registered benchmark."""
    return [(e.name, e.data_present()) for e in registry.entries().values()]


def describe(name: str) -> dict:
    """What the manifest records about a benchmark."""
    bench = open_benchmark(name)
    optimum = bench.optimum
    return {
        "checksum": bench.data_checksum(),
        "metric": bench.metric,
        "has_test_metric": bool(bench.has_test_metric),
        "has_time_cost": bool(bench.has_time_cost),
        "description": bench.description,
        "optimum_valid": _finite_or_none(optimum.valid),
        "optimum_test": _finite_or_none(optimum.test),
        "fidelities": [f if f is None else _plain(f) for f in bench.fidelities],
    }


def _finite_or_none(x: float):
    x = float(x)
    return x if x == x and abs(x) != float("inf") else None


def _plain(value):
    return value.item() if hasattr(value, "item") else value
