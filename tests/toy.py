"""The toy benchmark of the conformance kit, under the name the tests use (`tests.toy:make_toy_benchmark`),
and a multi-objective variant of it."""

from __future__ import annotations

import numpy as np

from benchlab.benchmarks.tabular import TabularBenchmark
from benchlab.testing.toy import make_toy_benchmark, make_toy_space

__all__ = ["make_toy_benchmark", "make_toy_space", "make_toy_multiobjective", "toy_multiobjective"]


def make_toy_multiobjective(seed: int = 0) -> TabularBenchmark:
    """The toy benchmark with a size (params), a latency and a training accuracy (no direction):
    size grows with the first two choices, against accuracy, so the front is a real trade-off."""
    bench = make_toy_benchmark(seed)
    table = bench.table
    grid = np.array([[int(v) for v in key.split(",")] for key in table.keys])
    rng = np.random.default_rng(seed + 1)
    table.params = np.round(1e5 * (1 + grid[:, 0] + grid[:, 1]) + rng.integers(0, 1000, len(grid))).astype(float)
    table.latency = 0.001 * (1 + grid[:, 2]) + rng.random(len(grid)) * 1e-4
    table.train = np.clip(table.valid + 0.03, 0, 1)
    return TabularBenchmark("toy-mo", bench.space, table)


def toy_multiobjective() -> TabularBenchmark:
    """A `module:factory` benchmark for experiment files in tests."""
    return make_toy_multiobjective()
