"""The NB101 search space: keys, validity, pruning, text form and size; moves and encodings
live in `moves.py` and `encoding.py`.

`key` answers from three caches, all owned by the space:

1. raw cell -> key (the cell's raw bytes): a cell seen before, the common case in
   evolution and local search, costs one dict lookup.
2. raw adjacency -> pruning result and the canonical relabelings of the pruned structure
   (`canonical.cell_structure`, a pure function's memo shared by every space), or the
   message of the rule the cell breaks.
3. canonical form -> official key. The official string is computed once per canonical
   class, from the pruned adjacency code (`canonical._module_hash_from_code`).

Isomorphic cells always get the same official hash, so answering a canonical class with
its first member's hash is correct even were the canonical (isomorphism) partition finer
than the hash's; on every table checked (the two real NB101-format files and the
enumerated (7, 9) space, which has exactly the published 423,624 classes) they are equal.
"""

from __future__ import annotations

import numpy as np

from benchlab.errors import ConfigError, InvalidArchitectureError
from benchlab.spaces.base import SearchSpace
from benchlab.spaces.nb101 import encoding, moves
from benchlab.spaces.nb101.canonical import _module_hash_from_code, cell_structure
from benchlab.spaces.nb101.cell import Cell, as_cell
from benchlab.spaces.nb101.enumeration import KNOWN_SIZES, count_cells
from benchlab.spaces.nb101.pruning import DISCONNECTED, entries_of, prune_entries


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
        self._upper_bits = tuple(1 << (i * V + j) for i, j in self._upper)  # in `pruning.entries_of` ints
        self._upper_flat = np.flatnonzero(np.triu(np.ones((V, V)), 1))  # row-major index of each upper entry
        # sampling: per row u, (bytes of the row for each value of its V-1-u bits, shift, mask)
        offsets = np.cumsum([0] + [V - 1 - u for u in range(V - 1)])
        self._row_bytes = tuple(
            (tuple(bytes([0] * (u + 1) + [b >> j & 1 for j in range(V - 1 - u)]) for b in range(1 << (V - 1 - u))),
             int(offsets[u]), (1 << (V - 1 - u)) - 1)
            for u in range(V - 1)
        ) + (((bytes(V),), 0, 0),)
        self._key_by_cell: dict[bytes, str] = {}  # raw cell (its bytes key) -> key
        # raw adjacency bytes -> (kept vertices, (m, canonical structure code, interior
        # getters), pruned adjacency code) | message of the broken rule
        self._by_matrix: dict[bytes, tuple | str] = {}
        self._key_by_canonical: dict[tuple, str] = {}
        self._size: int | None = KNOWN_SIZES.get((V, max_edges))
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
            key = self._key_by_cell.get(arch._key)
        except AttributeError:  # not a Cell
            key = None
        return key if key is not None else self._key_miss(as_cell(arch, self.name))

    def _key_miss(self, cell: Cell) -> str:
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
            kept, code = info[0], info[2]
            key = _module_hash_from_code(n, code, [codes[v] for v in kept])
            self._key_by_canonical[canonical] = key
        self._key_by_cell[cell._key] = key
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
        found = prune_entries(entries_of(data), n)
        broken = self._rule_broken_by(found)
        return broken if broken is not None else cell_structure(n, found[0], found[2])

    def rule_broken(self, data: bytes, n: int) -> str | None:
        """The message of the rule a raw n-vertex adjacency (row-major bytes) breaks, or None:
        disconnected, or too many vertices or edges after pruning. No canonical form is
        made: this is what sampling asks of every draw."""
        return self._rule_broken_by(prune_entries(entries_of(data), n))

    def _rule_broken_by(self, found: tuple | None) -> str | None:
        """`rule_broken` from the cell's `prune_entries` result."""
        if found is None:
            return DISCONNECTED
        m = found[0].bit_count()
        if m > self.max_vertices:
            return f"too many vertices: {m} after pruning, at most max_vertices={self.max_vertices}; remove vertices"
        edges = found[2].bit_count()
        if edges > self.max_edges:
            return f"too many edges: {edges} after pruning, at most max_edges={self.max_edges}; remove edges"
        return None

    def validate(self, arch: Cell) -> None:
        cell = as_cell(arch, self.name)
        info = self._by_matrix.get(cell._bytes)  # known when its key was asked
        broken = info if info is not None else self.rule_broken(cell._bytes, cell.num_vertices)
        if isinstance(broken, str):
            raise InvalidArchitectureError(broken)

    def prune(self, arch: Cell) -> Cell:
        """The cell without the vertices that are on no input->output path."""
        kept = self._matrix_info(as_cell(arch, self.name))[0]
        if len(kept) == arch.num_vertices:
            return arch
        matrix = arch.matrix[np.ix_(kept, kept)]
        return Cell._trusted(matrix.tobytes(), [arch._codes[v] for v in kept])

    # -- moves (moves.py) and encodings (encoding.py) --------------------------------
    def sample(self, rng: np.random.Generator) -> Cell:
        return moves.sample(self, rng)

    def mutate(self, arch: Cell, rng: np.random.Generator, rate: float = 1.0) -> Cell:
        return moves.mutate(self, arch, rng, rate)

    def neighbours(self, arch: Cell) -> list[Cell]:
        return moves.neighbours(self, arch)

    @property
    def encoding_size(self) -> int:
        return self._path_size if self.encoding == "path" else encoding.adjacency_size(self.max_vertices)

    def encode(self, arch: Cell) -> np.ndarray:
        return self.encode_path(arch) if self.encoding == "path" else self.encode_adjacency(arch)

    def encode_adjacency(self, arch: Cell) -> np.ndarray:
        return encoding.encode_adjacency(self, arch)

    def encode_path(self, arch: Cell) -> np.ndarray:
        return encoding.encode_path(self, arch)

    @property
    def decision_sizes(self) -> tuple[int, ...]:
        return encoding.decision_sizes(self.max_vertices)

    def to_decisions(self, arch: Cell) -> np.ndarray:
        return encoding.to_decisions(self, arch)

    def from_decisions(self, decisions) -> Cell:
        return encoding.from_decisions(self, decisions)

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
        cell = as_cell(arch, self.name)
        return "".join("01"[b] for b in cell._bytes) + "|" + ",".join(cell.ops)

    # -- size ------------------------------------------------------------------------------
    @property
    def size(self) -> int:
        """Number of distinct cells (keys); tabulated for the published spaces, else counted."""
        if self._size is None:
            self._size = count_cells(self.max_vertices, self.max_edges)
        return self._size

