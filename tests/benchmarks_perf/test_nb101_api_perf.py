"""The drop-in `benchlab.compat.nasbench.api` used exactly as a published script uses it:
a new `api.ModelSpec(matrix, ops)` per query (numpy int64 matrices, lists of op names),
then `nasbench.query(spec)`.

Targets, as for the native path (test_nb101_query_perf.py): >= 100x on the evolution-like
workload and >= 20x on never-seen isomorphic variants, against the official algorithm with
a plain dict: the official `ModelSpec` (transcribed below: numpy checks, deep copies,
pruning by set-based search, `np.delete`), its `hash_spec` (`hash_module`, the oracle), a
dict lookup and one repeat drawn. The official query's deep copies of the statistics are
left out of the baseline, so the official API itself is slower than this figure says.
"""

from __future__ import annotations

import copy
import time

import numpy as np

from benchlab.compat.nasbench import api
from benchlab.spaces.nb101 import OPS, Cell, prune
from benchlab.spaces.nb101.oracle import _hash_module
from tests.benchmarks_perf.test_nb101_query_perf import (  # noqa: F401 (fixtures)
    EVOLUTION_QUERIES, ORACLE_QUERIES, POOL, OfficialWithDict, _paired_speedup, indexed, only108, pool,
)
from tests.compat.nb101_tables import isomorphic_variant


class OfficialModelSpec:
    """`nasbench.lib.model_spec.ModelSpec` (construction, pruning, hash_spec), transcribed."""

    def __init__(self, matrix, ops):
        if not isinstance(matrix, np.ndarray):
            matrix = np.array(matrix)
        shape = np.shape(matrix)
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError("matrix must be square")
        if shape[0] != len(ops):
            raise ValueError("length of ops must match matrix dimensions")
        for src in range(shape[0]):
            for dst in range(0, src + 1):
                if matrix[src, dst] != 0:
                    raise ValueError("matrix must be upper triangular")
        self.original_matrix = copy.deepcopy(matrix)
        self.original_ops = copy.deepcopy(ops)
        self.matrix = copy.deepcopy(matrix)
        self.ops = copy.deepcopy(ops)
        self.valid_spec = True
        self._prune()

    def _prune(self):
        num_vertices = np.shape(self.original_matrix)[0]
        visited_from_input, frontier = {0}, [0]
        while frontier:
            top = frontier.pop()
            for v in range(top + 1, num_vertices):
                if self.original_matrix[top, v] and v not in visited_from_input:
                    visited_from_input.add(v)
                    frontier.append(v)
        visited_from_output, frontier = {num_vertices - 1}, [num_vertices - 1]
        while frontier:
            top = frontier.pop()
            for v in range(0, top):
                if self.original_matrix[v, top] and v not in visited_from_output:
                    visited_from_output.add(v)
                    frontier.append(v)
        extraneous = set(range(num_vertices)).difference(visited_from_input.intersection(visited_from_output))
        if len(extraneous) > num_vertices - 2:
            self.matrix, self.ops, self.valid_spec = None, None, False
            return
        self.matrix = np.delete(self.matrix, list(extraneous), axis=0)
        self.matrix = np.delete(self.matrix, list(extraneous), axis=1)
        for index in sorted(extraneous, reverse=True):
            del self.ops[index]

    def hash_spec(self, canonical_ops):
        labeling = [-1] + [canonical_ops.index(op) for op in self.ops[1:-1]] + [-2]
        return _hash_module(self.matrix, labeling)


class OfficialAPIWithDict(OfficialWithDict):
    def query_spec(self, matrix, ops, rng: np.random.Generator) -> dict:
        spec = OfficialModelSpec(matrix, ops)
        return self.data[self.rows[spec.hash_spec(list(OPS))]][int(rng.integers(3))]


def _specs(cells: list[Cell]) -> list[tuple[np.ndarray, list[str]]]:
    """(matrix, ops) as a script holds them: int64 arrays (np.random.choice, np.triu) and lists."""
    return [(cell.matrix.astype(np.int64), list(cell.ops)) for cell in cells]


def _oracle_run(oracle: OfficialAPIWithDict, specs):
    class Runner:
        def query(self, spec, rng):
            return oracle.query_spec(*spec, rng)

    return Runner(), specs


def test_api_query_speed_evolution_workload(benchmark, indexed, pool):
    """20,000 queries, each through a new ModelSpec, of raw specs drawn from 1,000 networks
    (95% seen before); each round opens a fresh NASBench, so the first sightings count."""
    drawn = np.random.default_rng(5).integers(0, POOL, EVOLUTION_QUERIES)
    specs = _specs([pool[0][i] for i in drawn])

    def setup():
        return (api.NASBench(indexed[0], seed=0, structural_index=indexed[1]),), {}

    def run(nasbench):
        for matrix, ops in specs:
            nasbench.query(api.ModelSpec(matrix, ops))

    nasbench = api.NASBench(indexed[0], seed=0, structural_index=indexed[1])
    oracle = OfficialAPIWithDict(nasbench._bench)
    for matrix, ops in specs[:50]:  # same answers
        row = nasbench._bench.row_of(Cell(matrix, ops))
        assert nasbench.query(api.ModelSpec(matrix, ops))["validation_accuracy"] in [
            d["validation_accuracy"] for d in oracle.data[row]
        ]
        assert oracle.rows[OfficialModelSpec(matrix, ops).hash_spec(list(OPS))] == row
    runner, oracle_specs = _oracle_run(oracle, specs[:ORACLE_QUERIES])
    _paired_speedup(benchmark, setup, run, len(specs), runner, oracle_specs, target=100)


def test_api_query_speed_never_seen_isomorphic_variants(benchmark, indexed, pool):
    """Every query a new ModelSpec of a raw spec met for the first time: a network queried
    before, renumbered, plus a vertex that pruning removes."""
    rng = np.random.default_rng(9)
    variants = [isomorphic_variant(Cell(*prune(c, None)), rng) for c in pool[0]]
    specs = _specs([v for v in variants if v.num_vertices <= 7])

    def setup():
        nasbench = api.NASBench(indexed[0], seed=0, structural_index=indexed[1])
        for matrix, ops in _specs(pool[0]):
            nasbench.query(api.ModelSpec(matrix, ops))
        return (nasbench,), {}

    def run(nasbench):
        for matrix, ops in specs:
            nasbench.query(api.ModelSpec(matrix, ops))

    runner, oracle_specs = _oracle_run(OfficialAPIWithDict(api.NASBench(indexed[0])._bench), specs)
    _paired_speedup(benchmark, setup, run, len(specs), runner, oracle_specs, target=20)


def test_upper_triangular_check_with_and_without_the_bit_mask(benchmark, pool):
    """The trick kept in `ModelSpec`: the official "upper triangular" check as one big-int AND
    of the matrix's raw bytes with a mask of the entries on and below the diagonal, against
    numpy's `np.tril(matrix) != 0` (the plain version); figures with and without."""
    from benchlab.compat.nasbench.api import _lower_mask

    matrices = [m for m, _ in _specs(pool[0])]

    def with_trick():
        for matrix in matrices:
            int.from_bytes(matrix.tobytes(), "little") & _lower_mask(matrix.shape[0], matrix.dtype.itemsize)

    def without_trick():
        for matrix in matrices:
            np.any(np.tril(matrix) != 0)

    benchmark.pedantic(with_trick, rounds=20, iterations=1)
    without = float("inf")
    for _ in range(20):
        start = time.perf_counter()
        without_trick()
        without = min(without, time.perf_counter() - start)
    with_ = benchmark.stats.stats.min
    benchmark.extra_info.update(
        with_us=round(with_ / len(matrices) * 1e6, 3), without_us=round(without / len(matrices) * 1e6, 3),
        ratio=round(without / with_, 1),
    )
    assert with_ < without
