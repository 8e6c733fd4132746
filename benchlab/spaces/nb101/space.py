"""The NB101 search space: keys, validity, moves, encodings, decisions, text form."""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter

import numpy as np

from benchlab.errors import ConfigError, InvalidArchitectureError, UserError
from benchlab.spaces.base import SearchSpace
from benchlab.spaces.nb101.canonical import _canonical_structure, _module_hash_from_code, _out_masks, _prune_code
from benchlab.spaces.nb101.cell import OPS, Cell
from benchlab.spaces.nb101.enumeration import _KNOWN_SIZES, count_cells
from benchlab.spaces.nb101.oracle import _DISCONNECTED

class NB101Space(SearchSpace):
    """NAS-Bench-101 cells with at most `max_vertices` vertices and `max_edges` edges.

    `encoding` selects what `encode` returns: "path" (BANANAS path indicators, the
    default) or "adjacency" (upper triangle + one-hot interior ops).
    """

    def __init__(self, max_vertices: int = 7, max_edges: int = 9, encoding: str = "path"):
        if not 2 <= max_vertices <= 7:
            raise ConfigError(f"max_vertices must be between 2 and 7, got {max_vertices}")
        if max_edges < 1:
            raise ConfigError(f"max_edges must be at least 1, got {max_edges}")
        if encoding not in ("path", "adjacency"):
            raise ConfigError(f"encoding must be 'path' or 'adjacency', got {encoding!r}")
        self.max_vertices = V = max_vertices
        self.max_edges = max_edges
        self.encoding = encoding
        self.name = f"nb101(max_vertices={V}, max_edges={max_edges})"
        self._upper = [(i, j) for i in range(V) for j in range(i + 1, V)]
        self._key_by_cell: dict[Cell, str] = {}
        # raw adjacency bytes -> (kept vertices, (m, canonical structure code, interior
        # getters), pruned adjacency code) | message of the broken rule
        self._by_matrix: dict[bytes, tuple | str] = {}
        self._key_by_canonical: dict[tuple, str] = {}
        self._size: int | None = _KNOWN_SIZES.get((V, max_edges))
        self._path_size = sum(3**i for i in range(V - 1))

    def __getstate__(self) -> dict:
        # caches are rebuilt on demand: a space sent to a worker process travels light
        state = self.__dict__.copy()
        state.update(_key_by_cell={}, _by_matrix={}, _key_by_canonical={})
        return state

    # -- identity and validity -----------------------------------------------------
    def key(self, arch: Cell) -> str:
        """The official module hash of the pruned cell (cached; see the module docstring)."""
        try:
            key = self._key_by_cell.get(arch)
        except TypeError:  # unhashable: not a Cell
            key = None
        return key if key is not None else self._key_miss(arch)

    def _key_miss(self, cell) -> str:
        if cell.__class__ is not Cell:
            self._as_cell(cell)
        info = self._matrix_info(cell)
        n, code, getters = info[1]
        codes = cell._codes
        if not getters:
            canonical_ops = ()
        elif len(getters) == 1:
            canonical_ops = getters[0](codes)
        else:
            canonical_ops = min(g(codes) for g in getters)
        canonical = (n, code, canonical_ops)
        key = self._key_by_canonical.get(canonical)
        if key is None:
            kept, pruned_code = info[0], info[2]
            key = _module_hash_from_code(n, pruned_code, [codes[v] for v in kept])
            self._key_by_canonical[canonical] = key
        self._key_by_cell[cell] = key
        return key

    def _matrix_info(self, cell: Cell) -> tuple:
        """Pruning and canonical relabelings for the cell's raw adjacency (cached), or raise."""
        info = self._by_matrix.get(cell._bytes)
        if info is None:
            info = self._compute_matrix_info(cell._bytes, cell.num_vertices)
            self._by_matrix[cell._bytes] = info
        if isinstance(info, str):
            raise InvalidArchitectureError(info)
        return info

    def _compute_matrix_info(self, data: bytes, n: int) -> tuple | str:
        pruned = _prune_code(data, n)
        if pruned is None:
            return _DISCONNECTED
        kept, code = pruned
        m, edges = len(kept), code.bit_count()
        if m > self.max_vertices:
            return (
                f"too many vertices: {m} after pruning, at most max_vertices="
                f"{self.max_vertices}; remove vertices"
            )
        if edges > self.max_edges:
            return (
                f"too many edges: {edges} after pruning, at most max_edges="
                f"{self.max_edges}; remove edges"
            )
        canonical_code, orders = _canonical_structure(m, code)
        # getters read the raw op codes of the kept interior vertices in canonical order
        # (one code, not a tuple, when m == 3: the same shape for every cell of that size)
        getters = tuple(itemgetter(*[kept[v] for v in order]) for order in orders) if m > 2 else ()
        return kept, (m, canonical_code, getters), code

    @staticmethod
    def _as_cell(arch) -> Cell:
        if not isinstance(arch, Cell):
            raise InvalidArchitectureError(
                f"expected an NB101 Cell, got {type(arch).__name__}; build one with "
                "Cell(matrix, ops) or NB101Space.parse(text)"
            )
        return arch

    def validate(self, arch: Cell) -> None:
        self._matrix_info(self._as_cell(arch))

    def prune(self, arch: Cell) -> Cell:
        """The cell without the vertices that are on no input->output path."""
        kept = self._matrix_info(self._as_cell(arch))[0]
        if len(kept) == arch.num_vertices:
            return arch
        matrix = arch.matrix[np.ix_(kept, kept)]
        return Cell._trusted(matrix.tobytes(), [arch._codes[v] for v in kept])

    # -- moves -------------------------------------------------------------------------
    def _cell_from_parts(self, matrix: np.ndarray, op_choices) -> Cell:
        codes = [-1, *(int(c) for c in op_choices), -2]
        return Cell._trusted(np.ascontiguousarray(matrix, dtype=np.uint8).tobytes(), codes)

    def sample(self, rng: np.random.Generator) -> Cell:
        """As the NAS-Bench-101 notebook: Bernoulli(0.5) upper triangle, uniform ops, reject invalid.

        Returns the sampled (unpruned) cell; `key` prunes.
        """
        V = self.max_vertices
        while True:
            matrix = np.triu(rng.integers(0, 2, size=(V, V), dtype=np.uint8), 1)
            ops = rng.integers(0, len(OPS), size=V)[1:-1]
            cell = self._cell_from_parts(matrix, ops)
            if self.is_valid(cell):
                return cell

    def _full_size(self, cell: Cell) -> tuple[np.ndarray, list[int]]:
        """(V x V matrix, interior op indices) of a cell, padding a smaller pruned cell.

        A cell with exactly `max_vertices` vertices is used as it is; any other is pruned
        and padded with unconnected conv3x3 vertices just before the output (pruned again
        by `key`, so the padded cell is the same network).
        """
        V = self.max_vertices
        if cell.num_vertices == V:
            return cell.matrix.copy(), list(cell._codes[1:-1])
        small = self.prune(cell)
        n = small.num_vertices
        matrix = np.zeros((V, V), dtype=np.uint8)
        index = [*range(n - 1), V - 1]
        matrix[np.ix_(index, index)] = small.matrix
        ops = list(small._codes[1:-1]) + [0] * (V - n)
        return matrix, ops

    def mutate(self, arch: Cell, rng: np.random.Generator, rate: float = 1.0) -> Cell:
        """As the NAS-Bench-101 notebook: each edge flips with probability rate/V, each
        interior op becomes a different op with probability rate/(V-2); retried until the
        child is valid and its key differs from the parent's."""
        parent_key = self.key(arch)
        V = self.max_vertices
        if V == 2:
            raise UserError(f"{self.name} holds a single cell, which has no mutation")
        matrix0, ops0 = self._full_size(arch)
        rows, cols = np.triu_indices(V, 1)
        for _ in range(100_000):
            matrix = matrix0.copy()
            flips = rng.random(len(rows)) < rate / V
            matrix[rows[flips], cols[flips]] ^= 1
            ops = list(ops0)
            for i in np.flatnonzero(rng.random(V - 2) < rate / (V - 2)):
                ops[i] = (ops[i] + int(rng.integers(1, len(OPS)))) % len(OPS)
            child = self._cell_from_parts(matrix, ops)
            if self.is_valid(child) and self.key(child) != parent_key:
                return child
        raise UserError(f"{self.name}: no valid cell with a different key near {self.format(arch)}")

    def neighbours(self, arch: Cell) -> list[Cell]:
        """Every valid cell one edge flip or one interior op change away (on the cell padded
        to max_vertices), one per key, the parent's key excluded; in a fixed order."""
        parent_key = self.key(arch)
        matrix0, ops0 = self._full_size(arch)
        seen = {parent_key}
        result = []
        candidates = []
        for i, j in self._upper:
            matrix = matrix0.copy()
            matrix[i, j] ^= 1
            candidates.append(self._cell_from_parts(matrix, ops0))
        for v in range(len(ops0)):
            for shift in range(1, len(OPS)):
                ops = list(ops0)
                ops[v] = (ops[v] + shift) % len(OPS)
                candidates.append(self._cell_from_parts(matrix0, ops))
        for cell in candidates:
            if self.is_valid(cell):
                k = self.key(cell)
                if k not in seen:
                    seen.add(k)
                    result.append(cell)
        return result

    # -- encodings ---------------------------------------------------------------------
    @property
    def encoding_size(self) -> int:
        return self._path_size if self.encoding == "path" else self._adjacency_size

    @property
    def _adjacency_size(self) -> int:
        V = self.max_vertices
        return V * (V - 1) // 2 + 3 * (V - 2)

    def encode(self, arch: Cell) -> np.ndarray:
        return self.encode_path(arch) if self.encoding == "path" else self.encode_adjacency(arch)

    def encode_adjacency(self, arch: Cell) -> np.ndarray:
        """Upper triangle of the pruned cell (padded to max_vertices) + one-hot interior ops
        (all zero for padding vertices)."""
        V = self.max_vertices
        small = self.prune(arch)
        n = small.num_vertices
        matrix = np.zeros((V, V))
        index = [*range(n - 1), V - 1]
        matrix[np.ix_(index, index)] = small.matrix
        onehot = np.zeros((V - 2, len(OPS)))
        for v, code in enumerate(small._codes[1:-1]):
            onehot[v, code] = 1.0
        rows, cols = np.triu_indices(V, 1)
        return np.concatenate([matrix[rows, cols], onehot.ravel()])

    def encode_path(self, arch: Cell) -> np.ndarray:
        """BANANAS path encoding: one indicator per possible input->output path, named by
        its sequence of interior ops; sum_{i=0}^{V-2} 3^i entries (364 for V=7).

        A path with ops o_0..o_{k-1} has index sum_i 3^i * (o_i + 1) (bijective base 3), as
        in the BANANAS code, so paths of different lengths never share an entry.
        """
        small = self.prune(arch)
        outs = _out_masks(small._bytes, small.num_vertices)
        last = small.num_vertices - 1
        codes = small._codes
        vec = np.zeros(self._path_size)
        stack = [(0, 0, 1)]  # (vertex, index so far, 3**length)
        while stack:
            v, index, scale = stack.pop()
            targets = outs[v]
            while targets:
                w = (targets & -targets).bit_length() - 1
                targets &= targets - 1
                if w == last:
                    vec[index] = 1.0
                else:
                    stack.append((w, index + scale * (codes[w] + 1), scale * 3))
        return vec

    # -- decisions ---------------------------------------------------------------------
    @property
    def decision_sizes(self) -> tuple[int, ...]:
        V = self.max_vertices
        return (2,) * (V * (V - 1) // 2) + (len(OPS),) * (V - 2)

    def to_decisions(self, arch: Cell) -> np.ndarray:
        """Edge bits of the upper triangle (row-major) then interior op indices.

        A cell of exactly max_vertices vertices round-trips unchanged; any other is
        represented by its pruned form padded to max_vertices (same key).
        """
        self.validate(arch)
        matrix, ops = self._full_size(arch)
        rows, cols = np.triu_indices(self.max_vertices, 1)
        return np.concatenate([matrix[rows, cols].astype(np.int64), np.asarray(ops, np.int64)])

    def from_decisions(self, decisions: Sequence[int]) -> Cell:
        sizes = self.decision_sizes
        values = np.asarray(decisions)
        if values.shape != (len(sizes),):
            raise InvalidArchitectureError(
                f"{self.name}: expected {len(sizes)} decisions, got shape {values.shape}"
            )
        if not np.issubdtype(values.dtype, np.integer) or (values < 0).any() or (
            values >= np.asarray(sizes)
        ).any():
            raise InvalidArchitectureError(
                f"{self.name}: decision i must be an integer in 0..decision_sizes[i]-1, got {values.tolist()}"
            )
        V = self.max_vertices
        edges = len(self._upper)
        matrix = np.zeros((V, V), dtype=np.uint8)
        rows, cols = np.triu_indices(V, 1)
        matrix[rows, cols] = values[:edges]
        cell = self._cell_from_parts(matrix, values[edges:])
        self.validate(cell)
        return cell

    # -- text form -----------------------------------------------------------------------
    def parse(self, text: str) -> Cell:
        """A cell from "ADJ_DIGITS|op,op,..." (row-major adjacency digits, as in the tfrecord)."""
        digits, sep, names = str(text).strip().partition("|")
        ops = [o.strip() for o in names.split(",")] if names else []
        n = len(ops)
        if not sep or not digits or n * n != len(digits) or not set(digits) <= {"0", "1"}:
            raise InvalidArchitectureError(
                f"bad cell text {text!r}: write ADJ_DIGITS|op,op,... with n*n digits 0/1 "
                "(row-major adjacency) and n ops"
            )
        return Cell(np.frombuffer(digits.encode(), np.uint8).reshape(n, n) - ord("0"), ops)

    def format(self, arch: Cell) -> str:
        cell = self._as_cell(arch)
        return "".join("01"[b] for b in cell._bytes) + "|" + ",".join(cell.ops)

    # -- size ------------------------------------------------------------------------------
    @property
    def size(self) -> int:
        """Number of distinct cells (keys); tabulated for the published spaces, else counted."""
        if self._size is None:
            self._size = count_cells(self.max_vertices, self.max_edges)
        return self._size

