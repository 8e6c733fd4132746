"""Speed of the benchmarks that ship with the install (run by `make bench`).

Targets, per family's largest table: a cached table loads (npz read + index) in <= 150 ms;
one query (row lookup + repeat draw) takes <= 50 us; one mutation <= 200 us (graph spaces
canonicalise through the package's own code, so theirs is the slow one).
"""

from __future__ import annotations

import numpy as np
import pytest

from benchlab.benchmarks import fcnet, graph, hpobench, nb201

LOADERS = {
    "nb201/cifar10": lambda: nb201.load("cifar10"),
    "graph/cora": lambda: graph.load("cora"),
    "fcnet/protein_structure": lambda: fcnet.load("protein_structure"),
    "hpobench/car": lambda: hpobench.load("car"),
}
N_ARCHS = 2_000


@pytest.mark.parametrize("name", list(LOADERS))
def test_cached_load(benchmark, name):
    LOADERS[name]()  # convert once outside the timing
    benchmark.pedantic(LOADERS[name], rounds=10, iterations=1)
    assert benchmark.stats.stats.min <= 0.150


@pytest.mark.parametrize("name", list(LOADERS))
def test_query(benchmark, name):
    bench = LOADERS[name]()
    rng = np.random.default_rng(0)
    archs = [bench.space.sample(rng) for _ in range(N_ARCHS)]

    def run():
        for arch in archs:
            bench.query(arch, rng)

    benchmark.pedantic(run, rounds=10, iterations=1)
    per_query = benchmark.stats.stats.min / N_ARCHS
    benchmark.extra_info["per_query_us"] = round(per_query * 1e6, 1)
    assert per_query <= 50e-6


@pytest.mark.parametrize("name", list(LOADERS))
def test_mutation(benchmark, name):
    space = LOADERS[name]().space
    rng = np.random.default_rng(1)
    archs = [space.sample(rng) for _ in range(N_ARCHS // 4)]

    def run():
        for arch in archs:
            space.mutate(arch, rng)

    benchmark.pedantic(run, rounds=5, iterations=1)
    per_call = benchmark.stats.stats.min / len(archs)
    benchmark.extra_info["per_mutation_us"] = round(per_call * 1e6, 1)
    assert per_call <= 200e-6
