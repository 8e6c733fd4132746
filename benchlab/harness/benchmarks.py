"""Opening the benchmarks an experiment names, and what its manifest records about them.

A name is a registry name (`nb201/cifar10`), a prefixed name the registry opens
(`nb101:PATH`), or a user's own `package.module:factory` whose call returns a Benchmark
(so a benchmark outside the project needs no registration). Loading an experiment opens
its benchmarks with `open_checked`, which also runs `benchlab.testing.check_benchmark` on a
factory's benchmark, so a broken one stops the experiment before any run (once, in the
command's own process: workers only open). Opened benchmarks are cached per process, so a
worker process reads each table once.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import sys
from functools import lru_cache

from benchlab.benchmarks import registry
from benchlab.benchmarks.base import Benchmark
from benchlab.errors import UnknownNameError, UserError

_FACTORY = re.compile(r"^([A-Za-z_][\w.]*):([A-Za-z_]\w*)$")


@lru_cache(maxsize=32)
def open_benchmark(name: str) -> Benchmark:
    match = _factory_parts(name)
    if match:
        return _from_factory(name, *match)
    return registry.get_benchmark(name)


def open_checked(name: str) -> Benchmark:
    """`open_benchmark`, and for a user's factory the conformance check of what it returned."""
    bench = open_benchmark(name)
    if _factory_parts(name):
        from benchlab.testing import ConformanceError, check_benchmark

        try:
            check_benchmark(bench)
        except ConformanceError as exc:
            raise ConformanceError(f"benchmark factory {name}: {exc}") from exc
    return bench


def _factory_parts(name: str) -> tuple[str, str] | None:
    """(module, attribute) of a `module:factory` name, None for registry and prefixed names."""
    match = _FACTORY.match(name)
    if match and match.group(1) not in registry._PREFIXES:
        return match.group(1), match.group(2)
    return None


def _from_factory(name: str, module_name: str, attr: str) -> Benchmark:
    try:
        with _no_stdin():
            module = importlib.import_module(module_name)
    except Exception as exc:  # ImportError, SyntaxError, or whatever the module raises at import
        raise UnknownNameError(f"cannot import benchmark module {module_name!r} ({type(exc).__name__}: "
                               f"{_first_line(exc)}); check the name, the module and PYTHONPATH") from None
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise UnknownNameError(f"module {module_name!r} has no benchmark factory {attr!r}")
    try:
        with _no_stdin():
            bench = factory()
    except UserError:
        raise
    except Exception as exc:
        raise UnknownNameError(f"benchmark factory {name} raised {type(exc).__name__}: {_first_line(exc)}; "
                               "fix the factory") from None
    if not isinstance(bench, Benchmark):
        raise UnknownNameError(f"{name} returned {type(bench).__name__}, not a benchmark")
    return bench


@contextlib.contextmanager
def _no_stdin():
    """A user's module or factory reading stdin gets end-of-file at once instead of waiting forever."""
    saved = sys.stdin
    try:
        saved_fd = os.dup(0)
    except OSError:  # no descriptor 0 at all: nothing to wait on
        saved_fd = None
    with open(os.devnull) as empty:
        sys.stdin = empty
        if saved_fd is not None:
            os.dup2(empty.fileno(), 0)
        try:
            yield
        finally:
            sys.stdin = saved
            if saved_fd is not None:
                os.dup2(saved_fd, 0)
                os.close(saved_fd)


def _first_line(exc: BaseException) -> str:
    from benchlab.errors import cut_long_values

    text = str(exc).splitlines()[0] if str(exc).strip() else "(no message)"
    return cut_long_values(text)[:300]


def try_open(name: str) -> str | None:
    """None when `name` opens (and a factory's benchmark passes the kit), else the one-line reason."""
    try:
        open_checked(name)
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
