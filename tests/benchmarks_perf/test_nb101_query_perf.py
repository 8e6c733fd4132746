"""NB101 benchmark targets, on a synthetic table of the full size (423,624 cells).

* Query speed against the official algorithm with a plain dict (prune, `hash_module`, dict
  lookup, one of the repeats drawn with the rng): >= 100x on an evolution-like workload
  (most queried cells seen before, as raw specs) and >= 20x on never-seen isomorphic
  variants (raw specs met for the first time, of networks queried before).
* Opening a full-size table and answering the first query: <= 1 s.
* The only108-size table in memory: <= 200 MB.

Every benchmark records its figures in `extra_info` (per-query microseconds, the speed-up,
seconds, megabytes). The first POOL rows of the table are real cells with their official
hashes; the other rows are other distinct networks with random hashes (only their number
and distinctness matter).
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from pathlib import Path

import h5py
import numpy as np
import pytest

from benchlab.benchmarks.nb101 import NB101Benchmark
from benchlab.compat.nasbench.official import query_official
from benchlab.benchmarks.nb101.index import StructuralIndex, shape_of_cell, table_fingerprints
from benchlab.spaces.nb101 import LABELS, Cell, NB101Space, official_module_hash, prune
from tests.compat.nb101_tables import isomorphic_variant

N_CELLS = 423_624
POOL = 1000
EVOLUTION_QUERIES = 20_000
ORACLE_QUERIES = 3_000  # the official algorithm is timed on a prefix of the same workload


def _pool(rng: np.random.Generator) -> tuple[list[Cell], list[str]]:
    """POOL sampled raw cells (7 vertices, as an evolution samples them) of distinct networks."""
    space = NB101Space()
    cells, hashes = [], []
    while len(cells) < POOL:
        cell = space.sample(rng)
        key = official_module_hash(cell, None)
        if key not in hashes:
            cells.append(cell)
            hashes.append(key)
    return cells, hashes


def _filler_cells(rng: np.random.Generator, count: int, avoid: set[int]):
    """`count` distinct networks unlike the pool's: 7-vertex chains plus a random set of other
    forward edges, random ops. A DAG with a Hamiltonian path has one topological order, so
    distinct (edges, ops) are distinct networks; those with a pool cell's fingerprint are
    dropped. Many have more than 9 edges: only their number and distinctness matter here."""
    rows, cols = np.triu_indices(7, 1)
    off_chain = np.flatnonzero(cols - rows > 1)  # 15 positions
    codes = rng.choice(2**15 * 3**5, size=count + len(avoid) + 1000, replace=False)
    edge_bits = (codes[:, None] >> np.arange(15)) & 1
    op_codes = (codes >> 15)[:, None] // 3 ** np.arange(5) % 3
    adjacency = np.zeros((len(codes), 7, 7), dtype=np.uint8)
    adjacency[:, np.arange(6), np.arange(1, 7)] = 1
    adjacency[:, rows[off_chain], cols[off_chain]] = edge_bits
    ops = np.concatenate([np.full((len(codes), 1), -1), op_codes, np.full((len(codes), 1), -2)], axis=1).astype(np.int8)
    nv = np.full(len(codes), 7, dtype=np.uint8)
    fingerprints, _, _ = table_fingerprints(nv, adjacency, ops)
    keep = np.flatnonzero(~np.isin(fingerprints, np.array(sorted(avoid), dtype=np.uint64)))[:count]
    return nv[keep], adjacency[keep], ops[keep]


def write_full_size_table(path: Path, cells: list[Cell], hashes: list[str], epochs=(108,), seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    n, v = N_CELLS, 7
    pool_adj = np.zeros((len(cells), v, v), dtype=np.uint8)
    pool_ops = np.full((len(cells), v), -3, dtype=np.int8)
    pool_nv = np.zeros(len(cells), dtype=np.uint8)
    for i, cell in enumerate(cells):
        matrix, ops = prune(cell, None)
        k = len(ops)
        pool_adj[i, :k, :k] = matrix
        pool_ops[i, :k] = [LABELS[o] for o in ops]
        pool_nv[i] = k
    avoid = {shape_of_cell(c).fingerprint for c in cells}
    fill_nv, fill_adj, fill_ops = _filler_cells(rng, n - len(cells), avoid)
    hexdigits = np.frombuffer(b"0123456789abcdef", np.uint8)
    random_hashes = hexdigits[rng.integers(0, 16, (n - len(cells), 32))].view("S32").ravel()
    metrics = rng.uniform(0.05, 0.95, (n, len(epochs), 3, 2, 4))
    metrics[..., 3] *= 3000
    with h5py.File(path, "w") as fh:
        fh.attrs.update(
            format="benchlab-nb101", format_version=1, source_name="synthetic", source_sha256="0" * 64,
            max_vertices=v, max_edges=9, epochs=np.asarray(epochs, dtype=np.int64), repeats=3,
        )
        fh["hash"] = np.concatenate([np.array(hashes, dtype="S32"), random_hashes])
        fh["num_vertices"] = np.concatenate([pool_nv, fill_nv])
        fh["adjacency"] = np.concatenate([pool_adj, fill_adj])
        fh["ops"] = np.concatenate([pool_ops, fill_ops])
        fh["trainable_parameters"] = rng.integers(200_000, 50_000_000, n)
        fh["metrics"] = metrics
        fh["current_epoch"] = np.broadcast_to(np.asarray(epochs, float)[None, :, None, None], (n, len(epochs), 3, 2))
    return path


@pytest.fixture(scope="module")
def pool():
    return _pool(np.random.default_rng(101))


@pytest.fixture(scope="module")
def only108(tmp_path_factory, pool) -> Path:
    return write_full_size_table(tmp_path_factory.mktemp("nb101perf") / "only108.h5", *pool)


@pytest.fixture(scope="module")
def full(tmp_path_factory, pool) -> Path:
    return write_full_size_table(tmp_path_factory.mktemp("nb101perf") / "full.h5", *pool, epochs=(4, 12, 36, 108))


class OfficialWithDict:
    """The official query path: prune + `hash_module` of the spec, a dict lookup, a random repeat."""

    def __init__(self, bench: NB101Benchmark):
        self.rows = {key: row for row, key in enumerate(bench.keys())}
        valid, test, cost = (np.asarray(bench._columns[-1][k]) for k in (1, 2, 3))
        self.data = [
            [{"validation_accuracy": valid[r, i], "test_accuracy": test[r, i], "training_time": cost[r, i]} for i in range(3)]
            for r in range(POOL)
        ]

    def query(self, cell: Cell, rng: np.random.Generator) -> dict:
        return self.data[self.rows[official_module_hash(cell, None)]][int(rng.integers(3))]


def _paired_speedup(benchmark, setup, run, queries: int, oracle: OfficialWithDict, oracle_cells, target, pairs=5, others=None):
    """Time our run (pytest-benchmark, for the report), then `pairs` times our run and the
    official algorithm back to back. The figure is the ratio of the two minima: on a shared
    machine each batch is only ever slowed down, and the least-disturbed batch of each is
    the best estimate of its cost (as `timeit` advises); ours lasts milliseconds, so one
    preemption can halve a single pair's ratio. Every pair's ratio is recorded as well.
    `others` ({name: (oracle, cells)}) are further baselines timed in the same pairs, each
    recorded as `speedup_vs_<name>` (the target is asserted against `oracle` only)."""
    benchmark.pedantic(run, setup=setup, rounds=pairs, iterations=1)
    baselines = {"official": (oracle, oracle_cells), **(others or {})}
    ours_times, official_times = [], {name: [] for name in baselines}
    for _ in range(pairs):
        args, _ = setup()
        start = time.perf_counter()
        run(*args)
        ours_times.append((time.perf_counter() - start) / queries)
        for name, (baseline, cells) in baselines.items():
            rng = np.random.default_rng(0)
            start = time.perf_counter()
            for cell in cells:
                baseline.query(cell, rng)
            official_times[name].append((time.perf_counter() - start) / len(cells))
    speedup = min(official_times["official"]) / min(ours_times)
    benchmark.extra_info.update(
        per_query_us=round(min(ours_times) * 1e6, 2),
        official_per_query_us=round(min(official_times["official"]) * 1e6, 1),
        speedup=round(speedup, 1),
        pair_speedups=[round(o / u, 1) for o, u in zip(official_times["official"], ours_times)],
        target_speedup=target,
    )
    for name in others or {}:
        benchmark.extra_info[f"{name}_per_query_us"] = round(min(official_times[name]) * 1e6, 1)
        benchmark.extra_info[f"speedup_vs_{name}"] = round(min(official_times[name]) / min(ours_times), 1)
    if target:
        assert speedup >= target


@pytest.fixture(scope="module")
def indexed(only108):
    """A long-running process: the structural index of the table is built (see
    test_structural_index_build for what that costs once) and handed to every benchmark
    opened on it."""
    return only108, NB101Benchmark.open(only108).resolver.build_structural_index()


def open_indexed(indexed, **options) -> NB101Benchmark:
    path, index = indexed
    return NB101Benchmark.open(path, structural_index=index, **options)


def test_query_speed_evolution_workload(benchmark, indexed, pool):
    """20,000 queries of raw cells drawn from 1,000 networks: 95% were seen before as raw
    specs. Each query passes a new Cell object (as a search builds a new spec each time),
    equal to an earlier one when seen before. Each round starts from a freshly opened
    benchmark, so the 1,000 first sightings are included."""
    drawn = np.random.default_rng(5).integers(0, POOL, EVOLUTION_QUERIES)
    sequence = [Cell(pool[0][i].matrix, pool[0][i].ops) for i in drawn]

    def setup():
        return (open_indexed(indexed), np.random.default_rng(0)), {}

    def run(bench, rng):
        for cell in sequence:
            bench.query(cell, rng)

    bench = open_indexed(indexed)
    oracle = OfficialWithDict(bench)
    for cell in sequence[:50]:  # same answers
        assert bench.query(cell, np.random.default_rng(1)).valid in [d["validation_accuracy"] for d in oracle.data[bench.row_of(cell)]]
    _paired_speedup(benchmark, setup, run, len(sequence), oracle, sequence[:ORACLE_QUERIES], target=100)
    # the kept trick, raw 64-bit draws, with and without (the same answers either way)
    without = []
    for _ in range(5):
        plain, rng = open_indexed(indexed, raw_draws=False), np.random.default_rng(0)
        start = time.perf_counter()
        run(plain, rng)
        without.append((time.perf_counter() - start) / len(sequence))
    benchmark.extra_info["per_query_us_without_raw_draws"] = round(min(without) * 1e6, 2)


def test_query_speed_never_seen_isomorphic_variants(benchmark, indexed, pool):
    """Every query is a raw spec met for the first time: the network renumbered plus a
    vertex that pruning removes. The benchmark has queried each network once before."""
    rng = np.random.default_rng(9)
    pairs = [(isomorphic_variant(Cell(*prune(c, None)), rng), c) for c in pool[0]]
    pairs = [(v, c) for v, c in pairs if v.num_vertices <= 7]  # keep them in the 7-vertex space
    variants = [v for v, _ in pairs]

    def setup():
        bench = open_indexed(indexed)
        warm = np.random.default_rng(0)
        for cell in pool[0]:
            bench.query(cell, warm)
        return (bench, np.random.default_rng(0)), {}

    def run(bench, rng):
        for cell in variants:
            bench.query(cell, rng)

    bench = open_indexed(indexed)
    for variant, cell in pairs[:50]:
        assert bench.row_of(variant) == bench.row_of(cell)
    _paired_speedup(benchmark, setup, run, len(variants), OfficialWithDict(bench), variants, target=20)


@pytest.mark.parametrize("index", ["built", "not yet built"])
def test_query_speed_never_seen_networks(benchmark, indexed, pool, index):
    """Not a target, for the record: raw cells of networks the benchmark never met. With the
    structural index each costs a fingerprint; before it (a process's first 2,000 first
    sightings) each costs the official hash once."""
    def setup():
        if index != "built":
            return (NB101Benchmark.open(indexed[0], index_after=10**9), np.random.default_rng(0)), {}
        return (open_indexed(indexed), np.random.default_rng(0)), {}

    def run(bench, rng):
        for cell in pool[0]:
            bench.query(cell, rng)

    _paired_speedup(benchmark, setup, run, POOL, OfficialWithDict(open_indexed(indexed)), pool[0], target=0, pairs=3)


def test_structural_index_build(benchmark, only108):
    """One-off per process and table: fingerprints of every row, built after the first
    few first sightings (so it is not part of opening or of the first query)."""
    bench = NB101Benchmark.open(only108)
    benchmark.pedantic(lambda: StructuralIndex(*bench.stored_cells), rounds=3, iterations=1)
    benchmark.extra_info["seconds"] = round(benchmark.stats.stats.min, 3)


@pytest.mark.parametrize("which", ["only108", "full"])
def test_open_and_first_query(benchmark, which, request, pool):
    path = request.getfixturevalue(which)
    cell = pool[0][0]

    def run():
        bench = NB101Benchmark.open(path)
        return bench.query(cell, np.random.default_rng(0))

    obs = benchmark.pedantic(run, rounds=5, iterations=1)
    assert obs.key == pool[1][0]
    benchmark.extra_info.update(seconds_max=round(benchmark.stats.stats.max, 3), target_s=1.0)
    assert benchmark.stats.stats.max <= 1.0


def test_memory_of_the_only108_table(benchmark, only108, pool):
    """Heap (tracemalloc, which numpy reports to) and resident memory after opening, 20,000
    queries, the per-cell means and optimum and reading every cell's adjacency."""

    def rss() -> int:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * 4096

    def run():
        gc.collect()
        before = rss()
        tracemalloc.start()
        bench = NB101Benchmark.open(only108)
        rng = np.random.default_rng(0)
        for i in np.random.default_rng(1).integers(0, POOL, EVOLUTION_QUERIES):
            bench.query(pool[0][i], rng)
        bench.optimum, query_official(bench, pool[0][0], rng)
        bench.query_rows(np.arange(len(bench)), rng)
        heap = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return bench, heap, rss() - before

    bench, (current, peak), resident = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update(
        heap_mb=round(current / 1e6, 1), heap_peak_mb=round(peak / 1e6, 1), rss_growth_mb=round(resident / 1e6, 1),
        target_mb=200,
    )
    assert len(bench) == N_CELLS
    assert current <= 200e6 and resident <= 200e6
