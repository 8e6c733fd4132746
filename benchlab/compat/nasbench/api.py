"""The official `nasbench.api` interface (NASBench, ModelSpec, OutOfDomainError) on benchlab's table.

A script written for the official API runs unchanged after
`from benchlab.compat.nasbench import api`. `NASBench(path)` accepts the official .tfrecord
(converted once into an HDF5 table and cached, keyed by the file's SHA-256) or a converted
table, and opens in well under a second instead of minutes. Answers are the official ones:
same dict keys, one of the recorded repeats drawn uniformly per query, budget counters
charged with the training time and epochs of each query (the halfway values when
`stop_halfway`). Repeats are drawn with a `numpy.random.Generator` seeded by `seed`, so the
same seed gives the same sequence of repeats (not the same draws as the official API,
which uses Python's global `random`).
"""

from __future__ import annotations

import os
from types import MappingProxyType
from collections.abc import Iterator, Mapping

import numpy as np

from benchlab.benchmarks.nb101 import NB101Benchmark, table_for
from benchlab.benchmarks.nb101.store import FINAL, HALFWAY
from benchlab.compat.nasbench.model_spec import ModelSpec
from benchlab.compat.nasbench.official import answer, column_of, fixed_of, metrics_by_hash, metrics_of_row
from benchlab.errors import InvalidArchitectureError, UnknownNameError, UserError
from benchlab.spaces.nb101 import OPS, Cell

__all__ = ["ModelSpec", "NASBench", "OutOfDomainError"]

# `nasbench.lib.config` flag defaults, as `config.build_config()` returns them; the search-space
# entries (module_vertices, max_edges, num_repeats) are replaced by those of the opened file.
_OFFICIAL_CONFIG = MappingProxyType({
    "train_data_files": (),
    "valid_data_file": "",
    "test_data_file": "",
    "sample_data_file": "",
    "data_format": "channels_last",
    "num_labels": 10,
    "module_vertices": 7,
    "max_edges": 9,
    "available_ops": OPS,
    "stem_filter_size": 128,
    "num_stacks": 3,
    "num_modules_per_stack": 3,
    "batch_size": 256,
    "train_epochs": 108,
    "train_seconds": 4.0 * 60 * 60,
    "learning_rate": 0.1,
    "lr_decay_method": "COSINE_BY_STEP",
    "momentum": 0.9,
    "weight_decay": 1e-4,
    "max_attempts": 5,
    "intermediate_evaluations": ("0.5",),
    "num_repeats": 3,
    "use_tpu": True,
    "tpu_iterations_per_loop": 100,
    "tpu_num_shards": 2,
})


_BATCH = 256  # uniform draws taken at once


class OutOfDomainError(UserError):
    """Indicates that the requested graph (or number of epochs) is outside of the search domain."""


class _Statistics(Mapping):
    """`fixed_statistics` / `computed_statistics` of the official object, read from the table on access."""

    def __init__(self, bench: NB101Benchmark, part: int):
        self._bench = bench
        self._part = part

    def __getitem__(self, module_hash: str):
        if not isinstance(module_hash, str) or not self._bench.has_key(module_hash):
            raise KeyError(module_hash)
        return metrics_by_hash(self._bench, module_hash)[self._part]

    def __contains__(self, module_hash) -> bool:
        return isinstance(module_hash, str) and self._bench.has_key(module_hash)

    def __iter__(self) -> Iterator[str]:
        return iter(self._bench.keys())

    def __len__(self) -> int:
        return len(self._bench)


class NASBench:
    """User-facing API for accessing the NASBench dataset (official interface)."""

    def __init__(self, dataset_file: str | os.PathLike, seed=None, *, batch_draws: bool = True, **resolver_options):
        # not in the official API: `batch_draws=False` takes one uniform draw per query (the
        # same numbers, slower; for measuring what batches save), and `index_after`,
        # `structural_index`, `cache_limit` of the table's CellResolver
        self._bench = NB101Benchmark.open(table_for(dataset_file), name="nasbench", **resolver_options)
        self.config = {key: list(value) if isinstance(value, tuple) else value for key, value in _OFFICIAL_CONFIG.items()}
        self.config.update(
            module_vertices=self._bench.max_vertices,
            max_edges=self._bench.max_edges,
            num_repeats=self._bench.n_repeats,
        )
        self._rng = np.random.default_rng(seed)
        # uniform draws taken from the generator in batches (the same numbers, in the same
        # order, as one rng.random() per query); one at a time when the caller shares it
        shared = isinstance(seed, (np.random.Generator, np.random.BitGenerator))
        self._batch = _BATCH if batch_draws and not shared else 1
        self._uniforms: list[float] = []  # the batch not used yet, last first
        self.valid_epochs = set(self._bench.epochs)
        self.fixed_statistics = _Statistics(self._bench, 0)
        self.computed_statistics = _Statistics(self._bench, 1)
        self.history = {}
        self.training_time_spent = 0.0
        self.total_epochs_spent = 0
        self._column: dict[tuple[int, bool], int] = {}  # (epochs, stop_halfway) -> fidelity column
        self._rows: dict[tuple, int] = {}  # raw spec (ModelSpec._key) -> row
        self._answers: dict[tuple[int, int], tuple] = {}  # (row, column) -> (fixed part, observations)
        self._seen: dict[tuple, tuple] = {}  # raw spec -> its `_answers` entry at 108 epochs, final

    def query(self, model_spec: ModelSpec, epochs: int = 108, stop_halfway: bool = False) -> dict:
        """Fetch one of the evaluations for this model spec and charge the budget counters."""
        # a raw spec answered before at the default budget: one dict lookup
        entry = self._seen.get(model_spec._key)
        if entry is None or stop_halfway or epochs != 108:
            entry = self._entry(model_spec, epochs, stop_halfway)
        fixed, observations = entry
        n = len(observations)
        if n == 1:  # nothing to draw
            obs = observations[0]
        else:
            uniforms = self._uniforms or self._draw_batch()
            obs = observations[int(uniforms.pop() * n)]
        data = answer(fixed, obs)
        self.training_time_spent += data["training_time"]
        self.total_epochs_spent += epochs // 2 if stop_halfway else epochs
        return data

    def _draw_batch(self) -> list[float]:
        self._uniforms = self._rng.random(self._batch)[::-1].tolist() if self._batch > 1 else [self._rng.random()]
        return self._uniforms

    def _entry(self, model_spec: ModelSpec, epochs, stop_halfway) -> tuple:
        """(fixed part, observations) of the spec at `epochs`, or OutOfDomainError."""
        if epochs not in self.valid_epochs:
            raise OutOfDomainError(f"invalid number of epochs, must be one of {self.valid_epochs}")
        column = self._column.get((epochs, bool(stop_halfway)))
        if column is None:
            column = self._column[(epochs, bool(stop_halfway))] = column_of(
                self._bench, epochs, HALFWAY if stop_halfway else FINAL
            )
        row = self._row_of(model_spec)
        entry = self._answers.get((row, column))
        if entry is None:
            entry = self._answers[(row, column)] = (fixed_of(self._bench, row), self._bench.observations_of(row, column))
        key = model_spec._key
        if key is not None and epochs == 108 and not stop_halfway:
            if len(self._seen) >= self._bench.resolver.cache_limit:
                self._seen.clear()
            self._seen[key] = entry
        return entry

    def is_valid(self, model_spec: ModelSpec) -> bool:
        """True if the model is within the space (does not charge the budget counters)."""
        try:
            self._check_spec(model_spec)
        except OutOfDomainError:
            return False
        return True

    def get_budget_counters(self) -> tuple[float, int]:
        """Returns the time and budget counters."""
        return self.training_time_spent, self.total_epochs_spent

    def reset_budget_counters(self) -> None:
        """Reset the time and epoch budget counters."""
        self.training_time_spent = 0.0
        self.total_epochs_spent = 0

    def evaluate(self, model_spec: ModelSpec, model_dir):
        raise UserError(
            "NASBench.evaluate trains a network, which this table-backed API does not do; "
            "train cells with `benchlab verify` (PyTorch) instead"
        )

    def hash_iterator(self):
        """Returns iterator over all unique model hashes."""
        return self.fixed_statistics.keys()

    def get_metrics_from_hash(self, module_hash: str) -> tuple[dict, dict]:
        """Fixed and computed statistics of a hash (fresh objects; no budget charged)."""
        if not isinstance(module_hash, str) or not self._bench.has_key(module_hash):
            raise UnknownNameError(
                f"module hash {module_hash!r} is not in {self._bench.path}; hash_iterator() lists them"
            )
        return metrics_by_hash(self._bench, module_hash)

    def get_metrics_from_spec(self, model_spec: ModelSpec) -> tuple[dict, dict]:
        """Fixed and computed statistics of a spec (no budget charged)."""
        return metrics_of_row(self._bench, self._row_of(model_spec))

    def _row_of(self, model_spec: ModelSpec) -> int:
        """The spec's row: remembered by its raw spec (one dict lookup for a spec seen before),
        else found by the benchmark's resolver from the spec's Cell; anything the resolver
        rejects gets the official checks and messages."""
        key = model_spec._key
        row = self._rows.get(key)
        if row is None:
            row = self._row_of_new(model_spec)
            if key is not None:
                if len(self._rows) >= self._bench.resolver.cache_limit:
                    self._rows.clear()
                self._rows[key] = row
        return row

    def _row_of_new(self, model_spec: ModelSpec) -> int:
        if model_spec._key is not None:
            try:  # the spec's bytes are the cell's (one per entry, row-major)
                return self._bench.row_of(Cell.from_bytes(model_spec._key[1], model_spec._key[2]))
            except InvalidArchitectureError:
                pass  # out of the space or not in the file: say so as the official API does
        self._check_spec(model_spec)
        cell = Cell(np.asarray(model_spec.matrix, dtype=np.uint8), list(model_spec.ops))
        try:
            return self._bench.row_of(cell)
        except InvalidArchitectureError as exc:  # a valid spec the file does not hold
            raise OutOfDomainError(f"{exc}; the file {self._bench.path} holds {len(self._bench):,} cells") from None

    def _check_spec(self, model_spec: ModelSpec) -> None:
        """Checks that the model spec is within the dataset (official messages)."""
        if not model_spec.valid_spec:
            raise OutOfDomainError("invalid spec, provided graph is disconnected.")
        num_vertices = len(model_spec.ops)
        num_edges = int(np.sum(model_spec.matrix))
        if num_vertices > self.config["module_vertices"]:
            raise OutOfDomainError(
                f"too many vertices, got {num_vertices} (max vertices = {self.config['module_vertices']})"
            )
        if num_edges > self.config["max_edges"]:
            raise OutOfDomainError(f"too many edges, got {num_edges} (max edges = {self.config['max_edges']})")
        if model_spec.ops[0] != "input":
            raise OutOfDomainError("first operation should be 'input'")
        if model_spec.ops[-1] != "output":
            raise OutOfDomainError("last operation should be 'output'")
        for op in model_spec.ops[1:-1]:
            if op not in self.config["available_ops"]:
                raise OutOfDomainError(f"unsupported op {op} (available ops = {self.config['available_ops']})")
        if not np.isin(model_spec.matrix, (0, 1)).all():
            raise OutOfDomainError("matrix entries must be 0 or 1")
