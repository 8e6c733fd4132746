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

import copy
import os
from types import MappingProxyType
from collections.abc import Iterator, Mapping

import numpy as np

from benchlab.benchmarks.nb101 import NB101Benchmark, table_for
from benchlab.compat.nasbench.official import metrics_by_hash, metrics_of_row, query_official_row
from benchlab.errors import InvalidArchitectureError, UnknownNameError, UserError
from benchlab.spaces.nb101 import INPUT, OPS, OUTPUT, Cell, official_module_hash
from benchlab.spaces.nb101.pruning import prune_indices

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


class OutOfDomainError(UserError):
    """Indicates that the requested graph (or number of epochs) is outside of the search domain."""


class ModelSpec:
    """Model specification given adjacency matrix and labeling (as `nasbench.lib.model_spec`).

    Construction checks only what the official class checks (square, ops length, upper
    triangular; `ValueError` otherwise) and prunes the vertices that are on no input->output
    path; anything else out of the space is reported by `NASBench.is_valid` / `query`.
    """

    def __init__(self, matrix, ops, data_format: str = "channels_last"):
        if not isinstance(matrix, np.ndarray):
            matrix = np.array(matrix)
        shape = np.shape(matrix)
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError("matrix must be square")
        if shape[0] != len(ops):
            raise ValueError("length of ops must match matrix dimensions")
        if np.any(np.tril(matrix) != 0):
            raise ValueError("matrix must be upper triangular")
        # Deep copies, as the official class: later changes to the caller's objects are not seen.
        self.original_matrix = copy.deepcopy(matrix)
        self.original_ops = copy.deepcopy(ops)
        self.matrix = copy.deepcopy(matrix)
        self.ops = copy.deepcopy(ops)
        self.valid_spec = True
        self.data_format = data_format
        # What the table lookup caches rows by: the raw spec, before pruning.
        self._raw_key = (shape[0], np.asarray(matrix, dtype=np.int64).tobytes(), tuple(map(str, ops)))
        self._prune()

    def _prune(self) -> None:
        """Drop every vertex not reachable from the input or not reaching the output."""
        keep = prune_indices(self.original_matrix)
        if keep is None:  # the input does not reach the output
            self.matrix = None
            self.ops = None
            self.valid_spec = False
            return
        self.matrix = np.asarray(self.matrix)[np.ix_(keep, keep)]
        self.ops = [self.ops[v] for v in keep]

    def hash_spec(self, canonical_ops) -> str:
        """The official isomorphism-invariant MD5 hash, ops labelled by their index in `canonical_ops`."""
        canonical_ops = list(canonical_ops)
        if len(canonical_ops) > len(OPS):
            raise ValueError(f"at most {len(OPS)} canonical ops are supported, got {len(canonical_ops)}")
        names = [INPUT] + [OPS[canonical_ops.index(op)] for op in self.ops[1:-1]] + [OUTPUT]
        return official_module_hash(np.asarray(self.matrix, dtype=np.uint8), names)

    def visualize(self):
        """A graphviz Digraph of the pruned cell (needs the optional `graphviz` package)."""
        import graphviz

        num_vertices = np.shape(self.matrix)[0]
        g = graphviz.Digraph()
        g.node(str(0), "input")
        for v in range(1, num_vertices - 1):
            g.node(str(v), self.ops[v])
        g.node(str(num_vertices - 1), "output")
        for src in range(num_vertices - 1):
            for dst in range(src + 1, num_vertices):
                if self.matrix[src, dst]:
                    g.edge(str(src), str(dst))
        return g


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

    def __init__(self, dataset_file: str | os.PathLike, seed=None):
        self._bench = NB101Benchmark.open(table_for(dataset_file), name="nasbench")
        self.config = {key: list(value) if isinstance(value, tuple) else value for key, value in _OFFICIAL_CONFIG.items()}
        self.config.update(
            module_vertices=self._bench.max_vertices,
            max_edges=self._bench.max_edges,
            num_repeats=self._bench.n_repeats,
        )
        self._rng = np.random.default_rng(seed)
        self.valid_epochs = set(self._bench.epochs)
        self.fixed_statistics = _Statistics(self._bench, 0)
        self.computed_statistics = _Statistics(self._bench, 1)
        self.history = {}
        self.training_time_spent = 0.0
        self.total_epochs_spent = 0
        self._rows: dict = {}  # raw spec -> table row: a repeated query skips hashing

    def query(self, model_spec: ModelSpec, epochs: int = 108, stop_halfway: bool = False) -> dict:
        """Fetch one of the evaluations for this model spec and charge the budget counters."""
        if epochs not in self.valid_epochs:
            raise OutOfDomainError(f"invalid number of epochs, must be one of {self.valid_epochs}")
        row = self._rows.get(model_spec._raw_key)
        if row is None:
            row = self._row_of(model_spec)
            self._rows[model_spec._raw_key] = row
        data = query_official_row(self._bench, row, self._rng, epochs, stop_halfway)
        self.training_time_spent += data["training_time"]
        self.total_epochs_spent += epochs // 2 if stop_halfway else epochs
        return data

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
