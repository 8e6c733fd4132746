"""NB101 key speed against the official algorithm with a plain dict.

Targets: >= 100x on cells already seen as raw specs, >= 20x on never-seen isomorphic
variants of cells in the table. The baseline per query is what the official API does:
prune the spec, hash it with `hash_module`, look the hash up in a dict. Each fast
benchmark times that baseline on the same workload and records both per-call times and
the ratio in `extra_info`.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from benchlab.spaces.nb101 import Cell, NB101Space, official_module_hash

POOL = 400


@pytest.fixture(scope="module")
def pool() -> list[Cell]:
    space = NB101Space()
    rng = np.random.default_rng(2024)
    cells, keys = [], set()
    while len(cells) < POOL:
        cell = space.sample(rng)
        if space.key(cell) not in keys:  # distinct networks
            keys.add(space.key(cell))
            cells.append(cell)
    return cells


@pytest.fixture(scope="module")
def table(pool) -> dict[str, int]:
    return {official_module_hash(c.matrix, c.ops): i for i, c in enumerate(pool)}


def random_topological_relabel(cell: Cell, rng: np.random.Generator) -> Cell:
    """The same network with its interior vertices renumbered in a random topological order."""
    matrix = cell.matrix
    n = cell.num_vertices
    remaining = set(range(1, n - 1))
    order = [0]
    while remaining:
        ready = sorted(v for v in remaining if not any(matrix[u, v] for u in remaining))
        v = ready[int(rng.integers(len(ready)))]
        order.append(v)
        remaining.remove(v)
    order.append(n - 1)
    return Cell(matrix[np.ix_(order, order)], [cell.ops[v] for v in order])


@pytest.fixture(scope="module")
def variants(pool) -> list[Cell]:
    """One raw-distinct isomorphic variant per pool cell that has one."""
    rng = np.random.default_rng(7)
    out = []
    for cell in pool:
        for _ in range(20):
            variant = random_topological_relabel(cell, rng)
            if variant != cell:
                out.append(variant)
                break
    assert len(out) > POOL // 2
    return out


def official_per_call(specs, table) -> float:
    """Seconds per query of the official algorithm with a plain dict (best of 5)."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for matrix, ops in specs:
            table[official_module_hash(matrix, ops)]
        best = min(best, (time.perf_counter() - start) / len(specs))
    return best


def record(benchmark, queries: int, baseline: float, target: float) -> None:
    fast = benchmark.stats.stats.min / queries
    benchmark.extra_info.update(
        per_call_us=round(fast * 1e6, 3),
        official_per_call_us=round(baseline * 1e6, 1),
        speedup=round(baseline / fast, 1),
        target_speedup=target,
    )
    assert baseline / fast >= target


def test_official_hash_per_call(benchmark, pool, table):
    specs = [(c.matrix, list(c.ops)) for c in pool]

    def run():
        for matrix, ops in specs:
            table[official_module_hash(matrix, ops)]

    benchmark.pedantic(run, rounds=5, iterations=1)
    benchmark.extra_info["per_call_us"] = round(benchmark.stats.stats.min / len(specs) * 1e6, 1)


def test_key_of_seen_cells(benchmark, pool, table):
    space = NB101Space()
    for cell in pool:
        space.key(cell)

    def run():
        for cell in pool:
            table[space.key(cell)]

    benchmark.pedantic(run, rounds=50, iterations=5)
    baseline = official_per_call([(c.matrix, c.ops) for c in pool], table)
    record(benchmark, len(pool), baseline, target=100)


def test_key_of_seen_specs_given_as_lists(benchmark, pool, table):
    """Seen cells arriving as plain lists: a Cell is built (and checked) for every query."""
    space = NB101Space()
    for cell in pool:
        space.key(cell)
    specs = [(c.matrix.tolist(), list(c.ops)) for c in pool]

    def run():
        for matrix, ops in specs:
            table[space.key(Cell(matrix, ops))]

    benchmark.pedantic(run, rounds=20, iterations=2)
    # no target in the issue for this one; the floor guards against regressions
    record(benchmark, len(specs), official_per_call(specs, table), target=10)


def test_key_of_never_seen_isomorphic_variants(benchmark, pool, variants, table):
    """A fresh space per round knows the pool's cells; every variant is new to it as a raw spec."""

    def setup():
        space = NB101Space()
        for cell in pool:
            space.key(cell)
        return (space,), {}

    def run(space):
        for cell in variants:
            table[space.key(cell)]

    benchmark.pedantic(run, setup=setup, rounds=15, iterations=1)
    baseline = official_per_call([(c.matrix, c.ops) for c in variants], table)
    record(benchmark, len(variants), baseline, target=20)


def test_key_of_never_seen_networks(benchmark, pool, table):
    """Every query a new network (what a table converter's hash check does): no target, but
    the key must not be slower than the official algorithm it replaces."""

    def run():
        space = NB101Space()
        for cell in pool:
            table[space.key(cell)]

    benchmark.pedantic(run, rounds=5, iterations=1)
    baseline = official_per_call([(c.matrix, c.ops) for c in pool], table)
    record(benchmark, len(pool), baseline, target=1)


# -- space moves: <= 20 us a call on the full 7-vertex space ---------------------------------------
MOVES = 1000


def _moves_record(benchmark, reference_seconds: float, target_us: float = 20.0) -> None:
    per_call = benchmark.stats.stats.min / MOVES
    benchmark.extra_info.update(
        per_call_us=round(per_call * 1e6, 2), reference_per_call_us=round(reference_seconds * 1e6, 1),
        speedup=round(reference_seconds / per_call, 1), target_us=target_us,
    )
    assert per_call * 1e6 <= target_us


def _reference_per_call(move, arguments) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for args in arguments:
            move(*args)
        best = min(best, (time.perf_counter() - start) / len(arguments))
    return best


def test_sample_speed(benchmark):
    from tests.spaces.nb101.reference_moves import reference_sample

    space = NB101Space()
    rng = np.random.default_rng(0)
    benchmark.pedantic(lambda: [space.sample(rng) for _ in range(MOVES)], rounds=10, iterations=1)
    reference = _reference_per_call(lambda: reference_sample(space, rng), [()] * 200)
    _moves_record(benchmark, reference)


def test_mutate_speed(benchmark):
    """Parents as a search holds them: sampled cells whose keys the space has not computed."""
    from tests.spaces.nb101.reference_moves import reference_mutate

    space = NB101Space()
    rng = np.random.default_rng(1)
    parents = [space.sample(rng) for _ in range(MOVES)]
    benchmark.pedantic(lambda: [space.mutate(p, rng) for p in parents], setup=None, rounds=10, iterations=1)
    fresh = NB101Space()  # keys not computed yet, as for the parents above
    reference = _reference_per_call(lambda p: reference_mutate(fresh, p, rng), [(p,) for p in parents[:200]])
    _moves_record(benchmark, reference)


def test_caches_keyed_by_raw_bytes_with_and_without(benchmark, pool):
    """The one lookup trick kept in `Cell`: caches are keyed by `Cell._key`, the raw
    (matrix, ops) as one bytes object, hashed and compared in C. Without it a dict keyed by
    the Cell calls its Python `__hash__` and `__eq__`. Both on new Cell objects equal to the
    cached ones, as a search hands them in; the figure with and without is recorded."""
    fresh = [Cell(c.matrix, c.ops) for c in pool]
    by_bytes = {c._key: i for i, c in enumerate(pool)}
    by_cell = {c: i for i, c in enumerate(pool)}

    def with_trick():
        for cell in fresh:
            by_bytes[cell._key]

    def without_trick():
        for cell in fresh:
            by_cell[cell]

    benchmark.pedantic(with_trick, rounds=50, iterations=5)
    without = min(timeit_repeat(without_trick, 50)) / len(fresh)
    with_ = benchmark.stats.stats.min / len(fresh)
    benchmark.extra_info.update(with_us=round(with_ * 1e6, 3), without_us=round(without * 1e6, 3), ratio=round(without / with_, 1))
    assert with_ < without


def timeit_repeat(run, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times
