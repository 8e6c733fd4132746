"""The Benchmark base class: what a subclass must provide."""

from __future__ import annotations

import pytest

from benchlab.benchmarks.base import Benchmark, MeanMetrics, Optimum


def test_a_benchmark_without_means_by_key_cannot_be_built():
    class NoKeyLookup(Benchmark):  # the simulator looks incumbents up by key, so this is incomplete
        def query(self, arch, rng, fidelity=None):
            raise AssertionError

        def means(self, arch, fidelity=None):
            return MeanMetrics(0.5, 0.5)

        @property
        def optimum(self):
            return Optimum(1.0, 1.0)

    with pytest.raises(TypeError, match="means_by_key"):
        NoKeyLookup()
