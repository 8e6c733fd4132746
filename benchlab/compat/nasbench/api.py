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
import functools
import os
from types import MappingProxyType
from collections.abc import Iterator, Mapping

import numpy as np

from benchlab.benchmarks.nb101 import NB101Benchmark, table_for
from benchlab.benchmarks.nb101.store import FINAL, HALFWAY
from benchlab.compat.nasbench.official import answer, column_of, fixed_of, metrics_by_hash, metrics_of_row
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


_LAZY = frozenset(("original_matrix", "original_ops", "matrix", "ops", "valid_spec"))


@functools.lru_cache(maxsize=64)
def _lower_mask(n: int, width: int) -> int:
    """Every bit of the diagonal and below in int.from_bytes(n x n matrix of `width`-byte
    entries): an entry is nonzero iff one of its bytes is (a pure function's memo)."""
    entry = (1 << (8 * width)) - 1
    return sum(entry << (8 * width * (i * n + j)) for i in range(n) for j in range(i + 1))


def _raw_matrix(key: tuple) -> np.ndarray:
    """The (read-only) matrix of a ModelSpec's raw key."""
    char, raw, ops = key
    return np.frombuffer(raw, dtype=char).reshape(len(ops), len(ops))


class ModelSpec:
    """Model specification given adjacency matrix and labeling (as `nasbench.lib.model_spec`).

    Construction checks only what the official class checks (square, ops length, upper
    triangular; `ValueError` otherwise); anything else out of the space is reported by
    `NASBench.is_valid` / `query`. It is lazy: an integer matrix is kept as its raw bytes
    (a snapshot, so later changes to the caller's objects are not seen, as with the
    official deep copies) and the op names as a tuple; `original_matrix`, `original_ops`,
    the pruned `matrix` and `ops` and `valid_spec` are made when first read. `NASBench`
    remembers rows by that raw spec, so a new spec per query costs no pruning, copying or
    hashing. A matrix of another kind (floats, objects) is checked, copied and pruned at
    once, as the official class does.
    """

    def __init__(self, matrix, ops, data_format: str = "channels_last"):
        # __dict__ directly: assigning through __setattr__ (which notes edits) costs more
        state = self.__dict__
        state["data_format"], state["_edited"], state["_key"] = data_format, False, None
        if not isinstance(matrix, np.ndarray):
            matrix = np.array(matrix)
        if matrix.dtype.kind not in "biu":
            self._eager(matrix, ops)
            return
        shape = matrix.shape
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError("matrix must be square")
        if shape[0] != len(ops):
            raise ValueError("length of ops must match matrix dimensions")
        raw = matrix.tobytes()
        if int.from_bytes(raw, "little") & _lower_mask(shape[0], matrix.dtype.itemsize):
            raise ValueError("matrix must be upper triangular")
        # the raw spec, hashed and compared in C (a numpy dtype in the key would compare slowly)
        state["_key"] = (matrix.dtype.char, raw, tuple(ops))

    def _eager(self, matrix, ops) -> None:
        shape = np.shape(matrix)
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError("matrix must be square")
        if shape[0] != len(ops):
            raise ValueError("length of ops must match matrix dimensions")
        if np.any(np.tril(matrix) != 0):
            raise ValueError("matrix must be upper triangular")
        # Deep copies, as the official class: later changes to the caller's objects are not seen.
        self._set_pruned(copy.deepcopy(matrix), copy.deepcopy(ops))

    def _set_pruned(self, original, original_ops) -> None:
        """Set the five public attributes, keeping any the caller assigned already."""
        keep = prune_indices(original)
        values = {"original_matrix": original, "original_ops": original_ops, "valid_spec": keep is not None}
        if keep is None:  # the input does not reach the output
            values.update(matrix=None, ops=None)
        else:
            values.update(matrix=np.asarray(original)[np.ix_(keep, keep)], ops=[original_ops[v] for v in keep])
        for name, value in values.items():
            self.__dict__.setdefault(name, value)

    def __getattr__(self, name):
        # only called for attributes not set yet: the lazy ones are made on first read
        key = self.__dict__.get("_key")
        if name in _LAZY and key is not None:
            self._set_pruned(_raw_matrix(key).copy(), list(key[2]))
            return self.__dict__[name]
        raise AttributeError(f"'ModelSpec' object has no attribute {name!r}")

    def __setattr__(self, name, value):
        if name in _LAZY:
            self.__dict__["_edited"] = True  # a spec changed after construction is looked up as it now is
        object.__setattr__(self, name, value)

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

    def __init__(self, dataset_file: str | os.PathLike, seed=None, **resolver_options):
        # resolver_options (not in the official API): `index_after`, `structural_index`,
        # `cache_limit` of the table's CellResolver
        self._bench = NB101Benchmark.open(table_for(dataset_file), name="nasbench", **resolver_options)
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
        self._column: dict[tuple[int, bool], int] = {}  # (epochs, stop_halfway) -> fidelity column
        self._fixed: dict[int, tuple] = {}  # row -> (matrix, ops, parameters) of the official answer
        self._rows: dict[tuple, int] = {}  # raw spec (ModelSpec._key) -> row

    def query(self, model_spec: ModelSpec, epochs: int = 108, stop_halfway: bool = False) -> dict:
        """Fetch one of the evaluations for this model spec and charge the budget counters."""
        if epochs not in self.valid_epochs:
            raise OutOfDomainError(f"invalid number of epochs, must be one of {self.valid_epochs}")
        column = self._column.get((epochs, stop_halfway))
        if column is None:
            column = self._column[(epochs, stop_halfway)] = column_of(self._bench, epochs, HALFWAY if stop_halfway else FINAL)
        key = model_spec._key
        row = self._rows.get(key) if key is not None and not model_spec._edited else None
        if row is None:
            row = self._row_of(model_spec)
        fixed = self._fixed.get(row)
        if fixed is None:
            fixed = self._fixed[row] = fixed_of(self._bench, row)
        data = answer(fixed, self._bench.query_column(row, column, self._rng))
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
        """The spec's row: remembered by its raw spec (one dict lookup for a spec seen before),
        else found by the benchmark's resolver from the spec's Cell; anything the resolver
        rejects gets the official checks and messages."""
        key = model_spec._key if not model_spec._edited else None
        row = self._rows.get(key) if key is not None else None
        if row is None:
            row = self._row_of_new(model_spec)
            if key is not None:
                if len(self._rows) >= self._bench.resolver.cache_limit:
                    self._rows.clear()
                self._rows[key] = row
        return row

    def _row_of_new(self, model_spec: ModelSpec) -> int:
        if model_spec._key is not None and not model_spec._edited:
            try:
                return self._bench.row_of(Cell(_raw_matrix(model_spec._key), model_spec._key[2]))
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
