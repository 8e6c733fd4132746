"""check_benchmark: a conforming benchmark passes; each broken rule fails with a message naming it."""

from __future__ import annotations

import numpy as np
import pytest

from benchlab.benchmarks.base import MeanMetrics, Optimum
from benchlab.benchmarks.tabular import TabularBenchmark
from benchlab.testing import check_benchmark, make_toy_benchmark, make_toy_space
from tests.testing.helpers import assert_fails


def rebuilt(cls, **space):
    toy = make_toy_benchmark()
    return cls("toy", make_toy_space(**space) if space else toy.space, toy.table)


def fails(bench, *needles, page="docs/adding-a-benchmark.md"):
    assert_fails(check_benchmark, bench, page, *needles)


def test_the_toy_benchmark_passes():
    check_benchmark(make_toy_benchmark())


def test_not_a_benchmark():
    fails(object(), "subclass benchlab.benchmarks.base.Benchmark")


class WrongFidelity(TabularBenchmark):
    def query(self, arch, rng, fidelity=None):
        return super().query(arch, rng, None)


class FreeQueries(TabularBenchmark):
    def query(self, arch, rng, fidelity=None):
        return super().query(arch, rng, fidelity)._replace(cost=0.0)


class OwnRandomness(TabularBenchmark):
    def query(self, arch, rng, fidelity=None):
        return super().query(arch, np.random.default_rng(), fidelity)


class GlobalRandom(TabularBenchmark):
    def query(self, arch, rng, fidelity=None):
        np.random.random()
        return super().query(arch, rng, fidelity)


class KeyMeansDiffer(TabularBenchmark):
    def means_by_key(self, key, fidelity=None):
        return MeanMetrics(0.0, 0.0)


class LowOptimum(TabularBenchmark):
    @property
    def optimum(self):
        return Optimum(0.1, 0.1)


class ClaimsNoTest(TabularBenchmark):
    has_test_metric = False

    def __init__(self, *args):
        super().__init__(*args)
        self.has_test_metric = False


class AnyFidelity(TabularBenchmark):
    def check_fidelity(self, fidelity):
        return self.max_fidelity

    def _fidelity(self, fidelity):
        return len(self.fidelities) - 1 if fidelity not in self.fidelities else super()._fidelity(fidelity)


BROKEN = [
    (WrongFidelity, "returned fidelity 100"),
    (FreeQueries, "cost=0.0"),
    (OwnRandomness, "equally seeded generators returned different observations"),
    (GlobalRandom, "global random state"),
    (KeyMeansDiffer, "disagree"),
    (LowOptimum, "exceeds optimum.valid"),
    (ClaimsNoTest, "has_test_metric is False"),
    (AnyFidelity, "a fidelity the benchmark lacks, accepted it"),
]


@pytest.mark.parametrize("cls, needle", BROKEN, ids=[c.__name__ for c, _ in BROKEN])
def test_each_broken_rule_is_named(cls, needle):
    fails(rebuilt(cls), f"({cls.__name__})", needle)


def test_a_space_that_samples_what_the_table_lacks():
    fails(rebuilt(TabularBenchmark, n_choices=6), "is not in the table")


def test_the_space_must_keep_its_own_contract():
    bench = make_toy_benchmark()
    bench.space.neighbours = lambda arch: []  # noqa: E731 (a broken space, for the test)
    fails(bench, "space CategoricalSpace", "neighbours() was empty", page="docs/adding-a-search-space.md")
