"""`check_benchmark(benchmark)`: does a benchmark keep the Benchmark contract (benchmarks/base.py)?"""

from __future__ import annotations

import math

import numpy as np

from benchlab.benchmarks.base import Benchmark, MeanMetrics, Observation, Optimum
from benchlab.errors import UserError
from benchlab.testing._checks import Checker, global_random_state_kept
from benchlab.testing.spaces import check_space

PAGE = "docs/adding-a-benchmark.md"


def check_benchmark(benchmark, *, samples: int = 20) -> None:
    """Check `benchmark` (an instance) against the benchmark contract; raise `ConformanceError`
    naming the first rule it breaks.

    Its space must pass `check_space`. On `samples` sampled architectures, their mutations
    and neighbours: every one can be queried at every fidelity; a query returns an
    `Observation` of that architecture's key and fidelity with a finite validation score, a
    positive finite cost, a repeat in range(n_repeats), a test score exactly when
    `has_test_metric`, and the same observation for an equally seeded generator; `means` and
    `means_by_key` agree and never exceed the optimum at the full fidelity; a fidelity the
    benchmark lacks is a `UserError`; nothing draws from the global random state.
    """
    check = Checker(f"benchmark {type(benchmark).__name__}", PAGE)
    check.require(isinstance(benchmark, Benchmark),
                  f"got {type(benchmark).__name__}; subclass benchlab.benchmarks.base.Benchmark")
    check = Checker(f"benchmark {benchmark.name} ({type(benchmark).__name__})", PAGE)
    _attributes(check, benchmark)
    check_space(benchmark.space, samples=samples)
    with global_random_state_kept(check, "a query"):
        optimum = _optimum(check, benchmark)
        rng = np.random.default_rng(0)
        for i in range(samples):
            arch = benchmark.space.sample(rng)
            for candidate in [arch, benchmark.space.mutate(arch, rng)] + benchmark.space.neighbours(arch)[:2]:
                _queries(check, benchmark, candidate, seed=i)
            _means(check, benchmark, arch, optimum)
        _bad_fidelity(check, benchmark, arch)


def _attributes(check: Checker, bench: Benchmark) -> None:
    check.require(isinstance(bench.name, str) and bench.name, "name must be a non-empty str")
    check.require(isinstance(bench.metric, str) and bench.metric, "metric must say what valid/test scores are")
    fidelities = tuple(bench.fidelities)
    check.require(fidelities, "fidelities must list at least one budget (None for a single-fidelity benchmark)")
    numeric = [f for f in fidelities if f is not None]
    check.require(len(numeric) in (0, len(fidelities)) and numeric == sorted(set(numeric)),
                  f"fidelities {fidelities!r} must be ascending distinct budgets, or (None,)")
    check.require(bench.max_fidelity == fidelities[-1], "max_fidelity must be the last (largest) fidelity")
    check.require(isinstance(bench.n_repeats, (int, np.integer)) and bench.n_repeats >= 1,
                  f"n_repeats is {bench.n_repeats!r}; give the number of recorded repeats per architecture (>= 1)")
    with check.calling("data_checksum()"):
        check.require(isinstance(bench.data_checksum(), str), "data_checksum() must return a str ('' if none)")


def _optimum(check: Checker, bench: Benchmark) -> Optimum:
    with check.calling("optimum"):
        optimum = bench.optimum
    check.require(isinstance(optimum, Optimum), f"optimum is a {type(optimum).__name__}; return an Optimum")
    check.require(math.isfinite(optimum.valid), "optimum.valid is not finite")
    check.require(math.isfinite(optimum.test) == bool(bench.has_test_metric),
                  f"optimum.test is {optimum.test} while has_test_metric is {bench.has_test_metric}; the test "
                  "optimum is finite exactly when the benchmark has a test metric (NaN otherwise)")
    return optimum


def _queries(check: Checker, bench: Benchmark, arch, seed: int) -> None:
    key = bench.space.key(arch)
    for fidelity in bench.fidelities:
        call = f"query({arch!r}, rng, fidelity={fidelity!r})"
        with check.calling(call):
            obs = bench.query(arch, np.random.default_rng(seed), fidelity)
            again = bench.query(arch, np.random.default_rng(seed), fidelity)
        check.require(isinstance(obs, Observation), f"{call} returned {type(obs).__name__}; return an Observation")
        check.require(obs.key == key, f"{call} returned key {obs.key!r}, not the space's key {key!r}")
        check.require(obs.fidelity == fidelity, f"{call} returned fidelity {obs.fidelity!r}")
        check.require(isinstance(obs.valid, float) and math.isfinite(obs.valid),
                      f"{call} returned valid={obs.valid!r}; give a finite float, higher is better")
        check.require(isinstance(obs.cost, float) and math.isfinite(obs.cost) and obs.cost > 0,
                      f"{call} returned cost={obs.cost!r}; give positive finite seconds (1.0 per query without times)")
        check.require(0 <= obs.repeat < bench.n_repeats, f"{call} returned repeat {obs.repeat}, outside "
                      f"range(n_repeats={bench.n_repeats})")
        check.require(math.isfinite(obs.test) == bool(bench.has_test_metric),
                      f"{call} returned test={obs.test!r} while has_test_metric is {bench.has_test_metric}")
        check.require(_same(again, obs), f"{call} with equally seeded generators returned different observations; "
                      "draw the repeat only from the rng given")
    with check.calling(f"query({arch!r}, rng) at the default fidelity"):
        default = bench.query(arch, np.random.default_rng(seed))
    check.require(default.fidelity == bench.max_fidelity, "query() without a fidelity must use max_fidelity")


def _means(check: Checker, bench: Benchmark, arch, optimum: Optimum) -> None:
    key = bench.space.key(arch)
    with check.calling(f"means({arch!r})"):
        means = bench.means(arch)
    with check.calling(f"means_by_key({key!r})"):
        by_key = bench.means_by_key(key, bench.max_fidelity)
    check.require(isinstance(means, MeanMetrics), f"means() returned {type(means).__name__}; return MeanMetrics")
    check.require(_same((means.valid, means.test), (by_key.valid, by_key.test)),
                  f"means({arch!r}) and means_by_key({key!r}) disagree")
    check.require(math.isfinite(means.valid), f"means({arch!r}).valid is not finite")
    check.require(means.valid <= optimum.valid + 1e-12,
                  f"means({arch!r}).valid = {means.valid} exceeds optimum.valid = {optimum.valid}; the optimum "
                  "is the best mean validation score at the full fidelity")
    if bench.has_test_metric:
        check.require(means.test <= optimum.test + 1e-12, f"means({arch!r}).test exceeds optimum.test")


def _bad_fidelity(check: Checker, bench: Benchmark, arch) -> None:
    numeric = [f for f in bench.fidelities if f is not None]
    missing = (max(numeric) + 1) if numeric else 1
    check.rejects(f"query(..., fidelity={missing}), a fidelity the benchmark lacks,",
                  lambda: bench.query(arch, np.random.default_rng(0), missing), UserError,
                  "raise a UserError naming the fidelities it has (self.check_fidelity(fidelity) does)")


def _same(a: tuple, b: tuple) -> bool:
    """Field by field, NaN equal to NaN (a missing test score is NaN in both)."""
    return all(x == y or (x != x and y != y) for x, y in zip(a, b))
