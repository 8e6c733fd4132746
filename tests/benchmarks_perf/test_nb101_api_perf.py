"""The drop-in `benchlab.compat.nasbench.api` used exactly as a published script uses it:
a new `api.ModelSpec(matrix, ops)` per query (numpy int64 matrices, lists of op names),
then `nasbench.query(spec)`.

Targets, as for the native path (test_nb101_query_perf.py): >= 100x on the evolution-like
workload and >= 20x on never-seen isomorphic variants, against the official API query: a
script's `nasbench.query(api.ModelSpec(matrix, ops))` through the official package once its
file is loaded, transcribed below. That is the official `ModelSpec` (its numpy checks, deep
copies, pruning by set-based search, `np.delete`) and the official `NASBench.query`:
`get_metrics_from_spec` (`_check_spec`, `hash_spec`, i.e. `hash_module`, the oracle), deep
copies of the hash's fixed and computed statistics (dicts of the official shape, as
`metrics_by_hash` returns them), a repeat drawn with `random.randint` (from a
`random.Random` here rather than the global one), the answer dict built and the budget
counters charged. The statistics dicts hold the 1,000 networks queried rather than all
423,624 (a smaller dict, if anything, favours the official side). The figure against the
official algorithm with a plain dict (the official `ModelSpec`, `hash_spec`, a dict lookup
and one repeat drawn: no statistics copied, no checks) is recorded beside it as
`speedup_vs_algorithm`.
"""

from __future__ import annotations

import copy
import random
import time

import numpy as np

from benchlab.compat.nasbench import api
from benchlab.compat.nasbench.official import metrics_of_row
from benchlab.spaces.nb101 import OPS, Cell, prune
from benchlab.spaces.nb101.cell import _LOWER_MASKS
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
    """The official algorithm with a plain dict: `ModelSpec`, `hash_spec`, a dict lookup, a repeat."""

    def query(self, spec, rng: np.random.Generator) -> dict:
        matrix, ops = spec
        return self.data[self.rows[OfficialModelSpec(matrix, ops).hash_spec(list(OPS))]][int(rng.integers(3))]


class OfficialNASBench:
    """`nasbench.api.NASBench` once its file is loaded: `query` and what it calls, transcribed."""

    def __init__(self, bench, seed: int = 0):
        self.config = {"available_ops": list(OPS), "module_vertices": 7, "max_edges": 9, "num_repeats": 3}
        self._random = random.Random(seed)
        self.fixed_statistics, self.computed_statistics = {}, {}
        for row, key in enumerate(bench.keys()[:POOL]):
            self.fixed_statistics[key], self.computed_statistics[key] = metrics_of_row(bench, row)
        self.valid_epochs = set(bench.epochs)
        self.training_time_spent = 0.0
        self.total_epochs_spent = 0

    def query(self, model_spec, epochs=108, stop_halfway=False):
        if epochs not in self.valid_epochs:
            raise api.OutOfDomainError("invalid number of epochs, must be one of %s" % self.valid_epochs)
        fixed_stat, computed_stat = self.get_metrics_from_spec(model_spec)
        sampled_index = self._random.randint(0, self.config["num_repeats"] - 1)
        computed_stat = computed_stat[epochs][sampled_index]
        data = {}
        data["module_adjacency"] = fixed_stat["module_adjacency"]
        data["module_operations"] = fixed_stat["module_operations"]
        data["trainable_parameters"] = fixed_stat["trainable_parameters"]
        if stop_halfway:
            data["training_time"] = computed_stat["halfway_training_time"]
            data["train_accuracy"] = computed_stat["halfway_train_accuracy"]
            data["validation_accuracy"] = computed_stat["halfway_validation_accuracy"]
            data["test_accuracy"] = computed_stat["halfway_test_accuracy"]
        else:
            data["training_time"] = computed_stat["final_training_time"]
            data["train_accuracy"] = computed_stat["final_train_accuracy"]
            data["validation_accuracy"] = computed_stat["final_validation_accuracy"]
            data["test_accuracy"] = computed_stat["final_test_accuracy"]
        self.training_time_spent += data["training_time"]
        if stop_halfway:
            self.total_epochs_spent += epochs // 2
        else:
            self.total_epochs_spent += epochs
        return data

    def get_metrics_from_hash(self, module_hash):
        fixed_stat = copy.deepcopy(self.fixed_statistics[module_hash])
        computed_stat = copy.deepcopy(self.computed_statistics[module_hash])
        return fixed_stat, computed_stat

    def get_metrics_from_spec(self, model_spec):
        self._check_spec(model_spec)
        module_hash = self._hash_spec(model_spec)
        return self.get_metrics_from_hash(module_hash)

    def _check_spec(self, model_spec):
        if not model_spec.valid_spec:
            raise api.OutOfDomainError("invalid spec, provided graph is disconnected.")
        num_vertices = len(model_spec.ops)
        num_edges = np.sum(model_spec.matrix)
        if num_vertices > self.config["module_vertices"]:
            raise api.OutOfDomainError("too many vertices, got %d (max vertices = %d)" % (num_vertices, self.config["module_vertices"]))
        if num_edges > self.config["max_edges"]:
            raise api.OutOfDomainError("too many edges, got %d (max edges = %d)" % (num_edges, self.config["max_edges"]))
        if model_spec.ops[0] != "input":
            raise api.OutOfDomainError("first operation should be 'input'")
        if model_spec.ops[-1] != "output":
            raise api.OutOfDomainError("last operation should be 'output'")
        for op in model_spec.ops[1:-1]:
            if op not in self.config["available_ops"]:
                raise api.OutOfDomainError("unsupported op %s (available ops = %s)" % (op, self.config["available_ops"]))

    def _hash_spec(self, model_spec):
        return model_spec.hash_spec(self.config["available_ops"])


class _ScriptQueries:
    """A script's query through the official API: a new official `ModelSpec`, then `query`."""

    def __init__(self, bench):
        self.official = OfficialNASBench(bench)

    def query(self, spec, rng) -> dict:
        return self.official.query(OfficialModelSpec(*spec))


def _specs(cells: list[Cell]) -> list[tuple[np.ndarray, list[str]]]:
    """(matrix, ops) as a script holds them: int64 arrays (np.random.choice, np.triu) and lists."""
    return [(cell.matrix.astype(np.int64), list(cell.ops)) for cell in cells]


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
    algorithm, script = OfficialAPIWithDict(nasbench._bench), _ScriptQueries(nasbench._bench)
    for matrix, ops in specs[:50]:  # same answers
        ours, official = nasbench.query(api.ModelSpec(matrix, ops)), script.query((matrix, ops), None)
        assert ours.keys() == official.keys()
        assert ours["validation_accuracy"] in [d["validation_accuracy"] for d in algorithm.data[nasbench._bench.row_of(Cell(matrix, ops))]]
        assert ours["module_operations"] == official["module_operations"]
        assert np.array_equal(ours["module_adjacency"], official["module_adjacency"])
    prefix = specs[:ORACLE_QUERIES]
    _paired_speedup(benchmark, setup, run, len(specs), script, prefix, target=100, others={"algorithm": (algorithm, prefix)})


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

    bench = api.NASBench(indexed[0])._bench
    others = {"algorithm": (OfficialAPIWithDict(bench), specs)}
    _paired_speedup(benchmark, setup, run, len(specs), _ScriptQueries(bench), specs, target=20, others=others)


def _with_and_without(benchmark, with_trick, without_trick, count: int, rounds: int = 20) -> None:
    """pytest-benchmark times the trick; the plain version is timed `rounds` times after it;
    per-item microseconds of both (fastest round each) and their ratio go in extra_info."""
    benchmark.pedantic(with_trick, rounds=rounds, iterations=1)
    without = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        without_trick()
        without = min(without, time.perf_counter() - start)
    with_ = benchmark.stats.stats.min
    benchmark.extra_info.update(
        with_us=round(with_ / count * 1e6, 3), without_us=round(without / count * 1e6, 3), ratio=round(without / with_, 1),
    )
    assert with_ < without


def test_upper_triangular_check_with_and_without_the_bit_mask(benchmark, pool):
    """The trick in `ModelSpec`: the official "upper triangular" check as one big-int AND of
    the matrix's low bytes (one per entry) with a mask of the entries on and below the
    diagonal, against numpy's `np.tril(matrix) != 0` (the plain version)."""
    matrices = [m for m, _ in _specs(pool[0])]

    def with_trick():
        for matrix in matrices:
            int.from_bytes(matrix.tobytes()[::8], "little") & _LOWER_MASKS[7]

    def without_trick():
        for matrix in matrices:
            np.any(np.tril(matrix) != 0)

    _with_and_without(benchmark, with_trick, without_trick, len(matrices))


def test_model_spec_entry_bytes_with_and_without_the_memo(benchmark, pool):
    """The memo in `ModelSpec` (`_entry_bytes`): a raw matrix met before costs one hash of its
    bytes instead of the checks (every entry fits its low byte, upper triangular); the
    evolution workload's raw specs, fresh bytes per spec as a new `ModelSpec` has."""
    from benchlab.compat.nasbench.model_spec import _entry_bytes

    drawn = np.random.default_rng(5).integers(0, POOL, EVOLUTION_QUERIES)
    matrices = [m for m, _ in _specs([pool[0][i] for i in drawn])]
    dtype = matrices[0].dtype

    def run(check):
        for matrix in matrices:
            check(matrix.tobytes(), dtype, 7)

    _with_and_without(benchmark, lambda: run(_entry_bytes), lambda: run(_entry_bytes.__wrapped__), len(matrices), 10)


def test_cell_op_checks_with_and_without_the_memo(benchmark, pool):
    """The memo in `Cell` (`_checked_ops`): an op sequence met before costs one hash of the
    tuple instead of the checks and the label lookups (the pool's 1,000 op sequences)."""
    from benchlab.spaces.nb101.cell import _checked_ops

    sequences = [tuple(cell.ops) for cell in pool[0]] * 5

    def run(check):
        for ops in sequences:
            check(ops)

    _with_and_without(benchmark, lambda: run(_checked_ops), lambda: run(_checked_ops.__wrapped__), len(sequences))


def test_api_evolution_workload_with_and_without_batched_draws(benchmark, indexed, pool):
    """The trick in `NASBench.query`: uniform draws taken from the generator 256 at a time
    (the same numbers as one `rng.random()` per query), on the evolution workload's queries
    once all were seen (the draw is part of every query, first sightings add the same to both)."""
    drawn = np.random.default_rng(5).integers(0, POOL, EVOLUTION_QUERIES)
    specs = _specs([pool[0][i] for i in drawn])
    benches = {}
    for batch_draws in (True, False):
        benches[batch_draws] = api.NASBench(indexed[0], seed=0, structural_index=indexed[1], batch_draws=batch_draws)
        for matrix, ops in specs:
            benches[batch_draws].query(api.ModelSpec(matrix, ops))

    def run(batch_draws: bool):
        nasbench = benches[batch_draws]
        for matrix, ops in specs:
            nasbench.query(api.ModelSpec(matrix, ops))

    _with_and_without(benchmark, lambda: run(True), lambda: run(False), len(specs), 10)
