"""The NAS-Bench-101 cell search space.

A cell is a DAG of at most `max_vertices` vertices given by an upper-triangular 0/1
adjacency matrix and one operation label per vertex (`input` first, `output` last, the
three NB101 operations in between). The official rules are followed exactly: vertices
that are not on an input->output path are pruned away, and validity (vertex and edge
limits) is judged on the pruned cell. A cell's key is the official NAS-Bench-101
`module_hash` of its pruned form, because every published result and file is keyed by it.

Key path (why it is fast). `official_module_hash` is the official algorithm verbatim
(about 0.25 ms a call, mostly numpy scalar indexing and MD5 of hex strings); it stays the
oracle. `NB101Space.key` answers from three caches instead:

1. raw cell -> key. A `Cell` hashes by its raw bytes, so a cell seen before (the common
   case in evolution and local search) costs one dict lookup.
2. raw adjacency bytes -> pruning result and the *canonical relabelings* of the pruned
   structure. Pruning is done on integer bitmasks. The pruned adjacency (ops ignored) is
   canonicalised once per structure by brute force over the (n-2)! orders of the interior
   vertices (input and output have unique labels, so they stay first and last): the
   canonical structure code is the smallest adjacency bit code, and we keep every order
   that reaches it (a coset of the structure's automorphism group). The (7, 9) space has
   only 6,472 pruned structures, so this table stays tiny.
3. canonical form -> official key. The canonical form of a cell is (vertices, smallest
   adjacency code, smallest interior op sequence over the kept orders): the
   lexicographic minimum of (adjacency, ops) over all relabelings, i.e. an exact
   isomorphism invariant. The official string is computed once per canonical class, by
   `_module_hash_from_code`: the official MD5 inputs built from neighbour lists.

Isomorphic cells always get the same official hash, so answering a whole canonical class
with its first member's official hash is correct even where the canonical (isomorphism)
partition were finer than the hash's; on every table checked (the two real NB101-format
files and the enumerated (7, 9) space, which has exactly the published 423,624 classes)
the two partitions are identical. Everything here is hand-written because no maintained
library implements NAS-Bench-101's rules without TensorFlow.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from operator import itemgetter

import numpy as np

from benchlab.errors import ConfigError, InvalidArchitectureError, UserError
from benchlab.spaces.base import SearchSpace

INPUT = "input"
OUTPUT = "output"
OPS = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")
#: the official integer labels used by the module hash
LABELS = {INPUT: -1, OUTPUT: -2, OPS[0]: 0, OPS[1]: 1, OPS[2]: 2}
_ALL_NAMES = ", ".join((INPUT, *OPS, OUTPUT))

# Number of distinct cells (official module hashes). (4, 9) and (5, 9): the two real
# NB101-format files are complete tables of those spaces and hold 91 and 2,532 cells;
# (7, 9): the NAS-Bench-101 paper's count of unique cells. tests/spaces/test_nb101.py
# re-derives all three by enumerating canonical classes.
_KNOWN_SIZES = {(4, 9): 91, (5, 9): 2532, (7, 9): 423_624}


# ----------------------------------------------------------------------------- the cell
def _matrix_bytes(matrix) -> tuple[int, bytes]:
    """(n, row-major uint8 bytes) of a square 0/1 matrix, or InvalidArchitectureError.

    Written with bytes operations rather than numpy reductions: on a 7 x 7 matrix numpy's
    per-call overhead would dominate the cost of a cached key lookup.
    """
    data = None
    if isinstance(matrix, (list, tuple)) and set(map(type, matrix)) <= _ROW_TYPES:
        # lists of Python ints are the usual input: convert without numpy (bytes() takes
        # only ints 0..255, so anything else goes the numpy way below)
        try:
            rows = list(map(bytes, matrix))
        except (TypeError, ValueError):
            rows = None
        if rows is not None:
            n = len(rows)
            if set(map(len, rows)) - {n}:
                raise InvalidArchitectureError(
                    f"non-square matrix: rows of lengths {[len(r) for r in rows]}; "
                    "give an n x n adjacency matrix"
                )
            data = b"".join(rows)
    if data is None:
        try:
            matrix = np.asarray(matrix)
        except ValueError:  # ragged nesting
            raise InvalidArchitectureError(
                "non-square matrix: rows of different lengths; give an n x n adjacency matrix"
            ) from None
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise InvalidArchitectureError(
                f"non-square matrix: shape {matrix.shape}; give an n x n adjacency matrix"
            )
        n = matrix.shape[0]
        if matrix.dtype.kind == "O":  # e.g. Python ints in an object array
            try:
                matrix = matrix.astype(np.float64)
            except (TypeError, ValueError):
                raise InvalidArchitectureError(_NON_BINARY) from None
        kind, width = matrix.dtype.kind, matrix.dtype.itemsize
        if kind == "b" or (kind in "iu" and width == 1):
            data = matrix.tobytes()
        elif kind in "iu":
            # a 0/1 little-endian integer is its low byte followed by zero bytes
            wide = matrix.astype(matrix.dtype.newbyteorder("<"), copy=False).tobytes()
            data = wide[::width]
            if wide.count(0) + data.count(1) != len(wide):
                raise InvalidArchitectureError(_NON_BINARY)
        else:
            if kind != "f":
                raise InvalidArchitectureError(_NON_BINARY)
            if not ((matrix == 0) | (matrix == 1)).all():
                raise InvalidArchitectureError(_NON_BINARY)
            data = matrix.astype(np.uint8).tobytes()
    if data.translate(None, b"\x00\x01"):
        raise InvalidArchitectureError(_NON_BINARY)
    return n, data


_ROW_TYPES = {list, tuple}
_NON_BINARY = "non-0/1 matrix: entries must be 0 or 1 (edge or no edge)"


_LOWER_MASKS: dict[int, int] = {}


def _lower_mask(n: int) -> int:
    """Bits of the diagonal and below in int.from_bytes(matrix bytes, 'little')."""
    mask = _LOWER_MASKS.get(n)
    if mask is None:
        mask = sum(1 << (8 * (i * n + j)) for i in range(n) for j in range(i + 1))
        _LOWER_MASKS[n] = mask
    return mask


class Cell:
    """An immutable NAS-Bench-101 cell: adjacency matrix + one op label per vertex.

    Equality and hash are by the raw (matrix, ops), not by isomorphism; use
    `NB101Space.key` to compare networks. Construction checks the structural rules (square,
    0/1, upper-triangular, known op names, `input` first and `output` last); pruning and the
    vertex/edge limits belong to the space.
    """

    __slots__ = ("ops", "_bytes", "_codes", "_key", "_hash", "_matrix")

    def __init__(self, matrix, ops: Sequence[str]):
        n, data = _matrix_bytes(matrix)
        if n < 2:
            raise InvalidArchitectureError(
                f"too few vertices: {n}; a cell needs at least an input and an output vertex"
            )
        ops = tuple(map(str, ops))
        if int.from_bytes(data, "little") & _lower_mask(n):
            i = next(k for k in range(n * n) if data[k] and k // n >= k % n)
            raise InvalidArchitectureError(
                f"not upper-triangular: edge {i // n}->{i % n} does not go forward; number the "
                "vertices in topological order (edges only from i to j > i)"
            )
        if len(ops) != n:
            raise InvalidArchitectureError(
                f"wrong number of ops: {len(ops)} ops for {n} vertices; give one op per vertex"
            )
        try:
            codes = tuple(map(LABELS.__getitem__, ops))
        except KeyError:
            bad = next(o for o in ops if o not in LABELS)
            raise InvalidArchitectureError(
                f"wrong op name {bad!r}; ops are {_ALL_NAMES}"
            ) from None
        if codes[0] != -1:
            raise InvalidArchitectureError(f"first op must be {INPUT!r}, got {ops[0]!r}")
        if codes[-1] != -2:
            raise InvalidArchitectureError(f"last op must be {OUTPUT!r}, got {ops[-1]!r}")
        if codes.count(-1) + codes.count(-2) != 2:
            raise InvalidArchitectureError(
                f"interior ops must be among {', '.join(OPS)}; {INPUT!r} and {OUTPUT!r} "
                "label only the first and last vertex"
            )
        self._init(data, ops, codes)

    def _init(self, data: bytes, ops: tuple, codes: tuple) -> None:
        set_ = object.__setattr__
        set_(self, "_bytes", data)
        set_(self, "ops", ops)
        set_(self, "_codes", codes)
        # (matrix, ops) as one bytes object: caches keyed by it hash and compare in C (a dict
        # keyed by the Cell calls __hash__ in Python on every lookup)
        set_(self, "_key", data + bytes([code & 0xFF for code in codes]))
        set_(self, "_hash", hash(self._key))
        set_(self, "_matrix", None)

    @classmethod
    def _trusted(cls, data: bytes, codes: Sequence[int]) -> Cell:
        """A cell from parts this module already checked (no validation: internal use)."""
        cell = cls.__new__(cls)
        codes = tuple(codes)
        cell._init(data, tuple(_NAMES[c] for c in codes), codes)
        return cell

    @property
    def matrix(self) -> np.ndarray:
        if self._matrix is None:
            n = len(self.ops)
            object.__setattr__(self, "_matrix", np.frombuffer(self._bytes, np.uint8).reshape(n, n))
        return self._matrix  # frombuffer over bytes: read-only

    @property
    def num_vertices(self) -> int:
        return len(self.ops)

    def __setattr__(self, name, value):
        raise AttributeError("Cell is immutable; build a new one")

    __delattr__ = __setattr__

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other) -> bool:
        return (
            other.__class__ is Cell and self._key == other._key
        )

    def __repr__(self) -> str:
        return f"Cell(matrix={self.matrix.tolist()}, ops={list(self.ops)})"

    def __reduce__(self):
        return (Cell, (self.matrix.copy(), self.ops))


_NAMES = {code: name for name, code in LABELS.items()}


# ------------------------------------------------------------------- official algorithm
def prune(matrix, ops) -> tuple[np.ndarray, list[str]]:
    """The official pruning: drop every vertex not on an input->output path.

    Follows `nasbench.api.ModelSpec._prune`; raises InvalidArchitectureError when the input
    cannot reach the output.
    """
    cell = matrix if isinstance(matrix, Cell) else Cell(matrix, ops)
    original = cell.matrix
    num_vertices = original.shape[0]
    visited_from_input = {0}
    frontier = [0]
    while frontier:
        top = frontier.pop()
        for v in range(top + 1, num_vertices):
            if original[top, v] and v not in visited_from_input:
                visited_from_input.add(v)
                frontier.append(v)
    visited_from_output = {num_vertices - 1}
    frontier = [num_vertices - 1]
    while frontier:
        top = frontier.pop()
        for v in range(0, top):
            if original[v, top] and v not in visited_from_output:
                visited_from_output.add(v)
                frontier.append(v)
    extraneous = set(range(num_vertices)) - (visited_from_input & visited_from_output)
    if len(extraneous) > num_vertices - 2:
        raise InvalidArchitectureError(_DISCONNECTED)
    keep = [v for v in range(num_vertices) if v not in extraneous]
    return original[np.ix_(keep, keep)].copy(), [cell.ops[v] for v in keep]


_DISCONNECTED = (
    "disconnected: no path from the input to the output; add edges so that the input "
    "reaches the output"
)


def _hash_module(matrix: np.ndarray, labeling: list[int]) -> str:
    """`nasbench.lib.graph_util.hash_module`, verbatim in behaviour (the oracle)."""
    vertices = np.shape(matrix)[0]
    in_edges = np.sum(matrix, axis=0).tolist()
    out_edges = np.sum(matrix, axis=1).tolist()
    hashes = list(zip(out_edges, in_edges, labeling))
    hashes = [hashlib.md5(str(h).encode("utf-8")).hexdigest() for h in hashes]
    for _ in range(vertices):
        new_hashes = []
        for v in range(vertices):
            in_neighbors = [hashes[w] for w in range(vertices) if matrix[w, v]]
            out_neighbors = [hashes[w] for w in range(vertices) if matrix[v, w]]
            new_hashes.append(
                hashlib.md5(
                    (
                        "".join(sorted(in_neighbors))
                        + "|"
                        + "".join(sorted(out_neighbors))
                        + "|"
                        + hashes[v]
                    ).encode("utf-8")
                ).hexdigest()
            )
        hashes = new_hashes
    return hashlib.md5(str(sorted(hashes)).encode("utf-8")).hexdigest()


def _module_hash_from_code(m: int, code: int, labels: Sequence[int]) -> str:
    """The same string as `_hash_module`, from a pruned adjacency code (bit i*m+j = edge i->j).

    The same MD5 inputs, built from neighbour lists instead of numpy scalar indexing (about
    4x faster); used once per canonical class, and tested equal to the oracle.
    """
    md5 = hashlib.md5
    outs = [[w for w in range(m) if code >> (v * m + w) & 1] for v in range(m)]
    ins = [[u for u in range(m) if code >> (u * m + v) & 1] for v in range(m)]
    hashes = [
        md5(f"({len(outs[v])}, {len(ins[v])}, {labels[v]})".encode()).hexdigest() for v in range(m)
    ]
    for _ in range(m):
        hashes = [
            md5(
                (
                    "".join(sorted([hashes[w] for w in ins[v]]))
                    + "|"
                    + "".join(sorted([hashes[w] for w in outs[v]]))
                    + "|"
                    + hashes[v]
                ).encode()
            ).hexdigest()
            for v in range(m)
        ]
    return md5(str(sorted(hashes)).encode()).hexdigest()


def official_module_hash(matrix, ops) -> str:
    """The official NAS-Bench-101 module hash of a cell (pruned first, as the API does).

    `matrix` may also be a `Cell` (then `ops` is ignored). Slow by design: the test oracle.
    """
    pruned, pruned_ops = prune(matrix, ops)
    return _hash_module(pruned, [LABELS[o] for o in pruned_ops])


# ------------------------------------------------------------------ fast canonical forms
# Adjacency bits are handled as Python ints built by C-level calls (bytes.translate, int(.., 2))
# because per-entry Python loops would cost more than the whole cached lookup.
_ASCII01 = bytes.maketrans(b"\x00\x01", b"01")


def _out_masks(data: bytes, n: int) -> list[int]:
    """Out-neighbour bitmask of every vertex (bit j set when edge i->j)."""
    entries = int(data.translate(_ASCII01)[::-1], 2)  # bit i*n+j = entry (i, j)
    row = (1 << n) - 1
    return [entries >> (i * n) & row for i in range(n)]


# (n, kept-vertex mask) -> (kept vertices, reader of the kept rows and columns)
_PRUNED_VIEWS: dict[tuple[int, int], tuple[list[int], itemgetter | None]] = {}


def _pruned_view(n: int, keep: int) -> tuple[list[int], itemgetter | None]:
    view = _PRUNED_VIEWS.get((n, keep))
    if view is None:
        kept = [v for v in range(n) if keep >> v & 1]
        reader = itemgetter(*[u * n + w for u in kept for w in kept]) if len(kept) < n else None
        view = _PRUNED_VIEWS[(n, keep)] = (kept, reader)
    return view


def _prune_code(data: bytes, n: int) -> tuple[list[int], int] | None:
    """The official pruning on bitmasks: (kept vertices, code of the pruned adjacency with
    bit i*m+j = entry (i, j), m = len(kept)), or None when the input cannot reach the output.

    The matrix is upper-triangular, so one forward sweep finds everything the input
    reaches and one backward sweep everything that reaches the output.
    """
    text = data.translate(_ASCII01)
    entries = int(text[::-1], 2)  # bit i*n+j = entry (i, j)
    row = (1 << n) - 1
    forward = 1
    for u in range(n):
        if forward >> u & 1:
            forward |= entries >> (u * n) & row
    backward = 1 << (n - 1)
    for u in range(n - 2, -1, -1):
        if entries >> (u * n) & backward:
            backward |= 1 << u
    keep = forward & backward
    if not keep & 1:
        return None
    kept, reader = _pruned_view(n, keep)
    if reader is None:
        return kept, entries
    return kept, int(bytes(reader(text))[::-1], 2)


def _edges_of(code: int, n: int) -> list[tuple[int, int]]:
    return [divmod(k, n) for k in range(n * n) if code >> k & 1]


def _edge_code(edges, position, n: int) -> int:
    code = 0
    for u, w in edges:
        code |= 1 << (position[u] * n + position[w])
    return code


_STRUCTURES: dict[tuple[int, int], tuple[int, tuple[tuple[int, ...], ...]]] = {}


def _canonical_structure(n: int, code: int) -> tuple[int, tuple]:
    """(smallest adjacency code, every interior order reaching it) of a pruned DAG.

    Brute force over the (n-2)! interior orders, once per structure (cached): an order
    lists the old interior vertices in their new positions 1..n-2.
    """
    cached = _STRUCTURES.get((n, code))
    if cached is not None:
        return cached
    edges = _edges_of(code, n)
    best, orders = None, []
    position = [0] * n
    position[n - 1] = n - 1
    for order in itertools.permutations(range(1, n - 1)):
        for new, old in enumerate(order, start=1):
            position[old] = new
        candidate = _edge_code(edges, position, n)
        if best is None or candidate < best:
            best, orders = candidate, [order]
        elif candidate == best:
            orders.append(order)
    result = (best, tuple(orders))
    _STRUCTURES[(n, code)] = result
    return result


# ------------------------------------------------------------------------------ the space
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


# --------------------------------------------------------------------------- enumeration
def pruned_structures(max_vertices: int, max_edges: int):
    """Every pruned adjacency (each vertex on an input->output path) as (n, edges), for
    2 <= n <= max_vertices and at most max_edges edges. In an upper-triangular DAG a vertex
    is on such a path iff it has an in-edge (unless input) and an out-edge (unless output).
    """

    def extend(n, v, edges, out_degree):
        # choose the non-empty set of in-neighbours of vertex v, for v = 1..n-1
        if v == n:
            if all(out_degree[:-1]):
                yield n, list(edges)
            return
        for r in range(1, min(v, max_edges - len(edges)) + 1):
            for sources in itertools.combinations(range(v), r):
                for s in sources:
                    out_degree[s] += 1
                yield from extend(n, v + 1, edges + [(s, v) for s in sources], out_degree)
                for s in sources:
                    out_degree[s] -= 1

    for n in range(2, max_vertices + 1):
        yield from extend(n, 1, [], [0] * n)


def count_cells(max_vertices: int, max_edges: int) -> int:
    """Number of isomorphism classes of valid cells, by Burnside's lemma per structure.

    Isomorphic cells share a module hash, so this is an upper bound on the number of
    keys; it equals it on (4, 9), (5, 9) and (7, 9), where the keys are known.

    For each canonical structure, the kept canonical orders form a coset of its
    automorphism group; the number of distinct op labelings up to automorphism is the
    average over the group of 3^(cycles on the interior).
    """
    total = 0
    seen = set()
    for n, edges in pruned_structures(max_vertices, max_edges):
        code, orders = _canonical_structure(n, _edge_code(edges, range(n), n))
        if (n, code) in seen:
            continue
        seen.add((n, code))
        if n == 2:
            total += 1
            continue
        first = {old: new for new, old in enumerate(orders[0])}
        fixed = 0
        for order in orders:
            # automorphism: canonical position -> old vertex (order) -> canonical position (first)
            perm = [first[old] for old in order]
            cycles, visited = 0, [False] * len(perm)
            for start in range(len(perm)):
                if not visited[start]:
                    cycles += 1
                    k = start
                    while not visited[k]:
                        visited[k] = True
                        k = perm[k]
            fixed += len(OPS) ** cycles
        total += fixed // len(orders)
    return total


__all__ = [
    "INPUT",
    "OUTPUT",
    "OPS",
    "LABELS",
    "Cell",
    "NB101Space",
    "prune",
    "official_module_hash",
    "count_cells",
    "pruned_structures",
]
