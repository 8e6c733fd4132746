"""Finding a cell's row in an NB101 table without computing its MD5 module hash.

The official module hash costs ~0.3 ms a cell (dozens of MD5 digests of hex strings). A
cell never met before would pay it on every first sighting. Instead, every row of the
table gets a 64-bit structural fingerprint, computed for the whole table at once with
numpy; a query computes the same fingerprint for its cell in pure Python (~4 us), finds
the candidate rows in a dict, and accepts a row only after an exact isomorphism check
against that row's cell (in a complete table, see NB101Benchmark._structural_row, a
candidate that is alone needs none). Isomorphic cells have the same official hash,
so an accepted row is exactly the row the official algorithm finds; when no candidate
passes (a cell absent from the table, or a rare fingerprint tie) the caller falls back to
the official key.

The fingerprint of a pruned cell (a DAG whose vertex order is topological), with M the low
61 bits:
    colour[v] = hash((label_v + 4, sum of colour[u] over edges u -> v)) & M
    F         = hash((vertices, sum of colour[v])) & M
Python's own tuple hash makes this a few C calls per vertex (hashing the int sum inside
the tuple reduces it modulo 2**61-1 in C, and a mask is cheaper than `%`): a hash of each
vertex's tree of ancestors. It depends only on the graph up to isomorphism, and only on
what the official (Weisfeiler-Lehman) hash sees, so cells with one official hash share it.
The per-vertex colours `up` also drive the isomorphism check: an isomorphism maps each
vertex to one of the same colour. For the table the tuple hash is rebuilt in numpy
(CPython's algorithm); tests check that both agree on every row, and were they ever to
differ (another Python implementation) lookups would only miss and fall back.
Hand-written because no library computes an invariant of these labelled DAGs that is both
vectorisable over a table and cheap for one small graph.
"""

from __future__ import annotations

import itertools

import numpy as np

from benchlab.spaces.nb101.cell import Cell

_ASCII01 = bytes.maketrans(b"\x00\x01", b"01")
_P = (1 << 61) - 1  # CPython's modulus for hashing ints: hash(x) == x % _P for x >= 0
_M = (1 << 61) - 1  # the same number, used as a mask: colours are the low 61 bits of a tuple hash
_MAX_TRIES = 720  # isomorphism candidates tried per row before giving up (falls back)
# CPython's tuple hash (Objects/tupleobject.c, unchanged since 3.8), rebuilt with numpy below.
_XXPRIME_1, _XXPRIME_2, _XXPRIME_5 = 11400714785074694791, 14029467366897019727, 2870177450012600261
_TUPLE2_SUFFIX = 2 ^ (_XXPRIME_5 ^ 3527539)


def _pair_hash_array(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`hash((a, b)) & _M` for uint64 arrays with entries in [0, _P), as CPython computes it."""
    acc = np.full(a.shape, _XXPRIME_5, dtype=np.uint64)
    for lane in (a, b):
        acc = acc + lane * np.uint64(_XXPRIME_2)
        acc = (acc << np.uint64(31)) | (acc >> np.uint64(33))
        acc = acc * np.uint64(_XXPRIME_1)
    acc = acc + np.uint64(_TUPLE2_SUFFIX)
    acc = np.where(acc == np.uint64(_MASK64), np.uint64(1546275796), acc)
    # acc is the signed hash's two's complement, whose low 61 bits Python's `& _M` keeps
    return acc & np.uint64(_M)


_MASK64 = (1 << 64) - 1


class PrunedShape:
    """A cell's pruned structure and fingerprint, as `shape_of` finds it.

    Vertices keep their raw numbers: `kept_mask` has a bit per vertex pruning keeps, `outs[v]`
    is the out-neighbour bitmask of raw vertex v and `raw_colours[v]` its colour (0 when
    pruned). `size` and `edges` count the kept vertices and the edges between them. The
    lists in kept numbering that the isomorphism check needs are derived on demand: a first
    sighting answered by fingerprint alone never builds them.
    """

    __slots__ = ("labels", "kept_mask", "outs", "raw_colours", "fingerprint", "size", "edges")

    def __init__(self, labels, kept_mask, outs, raw_colours, fingerprint, size, edges):
        self.labels = labels  # raw label per raw vertex
        self.kept_mask = kept_mask
        self.outs = outs
        self.raw_colours = raw_colours
        self.fingerprint = fingerprint
        self.size = size
        self.edges = edges

    @property
    def kept(self) -> tuple[int, ...]:
        """The kept raw vertices, in (topological) vertex order."""
        return _members(self.kept_mask)

    @property
    def colours(self) -> list[int]:
        """Colour of each kept vertex, in kept order."""
        return [self.raw_colours[v] for v in self.kept]

    def kept_labels(self) -> list[int]:
        return [self.labels[v] for v in self.kept]

    def kept_out_masks(self) -> list[int]:
        """Out-neighbour bitmask of each kept vertex, in kept numbering."""
        index = {v: i for i, v in enumerate(self.kept)}
        return [sum(1 << i for w, i in index.items() if self.outs[v] >> w & 1) for v in self.kept]


def _members(mask: int) -> tuple[int, ...]:
    return tuple(i for i in range(mask.bit_length()) if mask >> i & 1)


class _Precomputed(dict):
    """A dict that fills a missing entry from `make(key)` (a C-speed lookup once filled)."""

    def __init__(self, make, keys):
        super().__init__((key, make(key)) for key in keys)
        self._make = make

    def __missing__(self, key):
        value = self[key] = self._make(key)
        return value


_MEMBERS = _Precomputed(_members, range(1 << 7))  # the vertices in a bitmask, as a tuple
# per vertex count n: (u, u * n, 1 << u) from n-2 down to 0, and (v, 1 << v) from 0 to n-2
_BACKWARD_SWEEP = _Precomputed(lambda n: tuple((u, u * n, 1 << u) for u in range(n - 2, -1, -1)), range(8))
_FORWARD_SWEEP = _Precomputed(lambda n: tuple((v, 1 << v) for v in range(n - 1)), range(8))


def shape_of(data: bytes, labels) -> PrunedShape | None:
    """Prune (official rule: keep vertices on an input->output path) and fingerprint one cell.

    `data` is the row-major n x n upper-triangular 0/1 adjacency as bytes, `labels` the
    official integer labels (a sequence). None when the input does not reach the output.
    """
    parts = pruned_parts(data, labels)
    return None if parts is None else PrunedShape(labels, *parts)


def pruned_parts(data: bytes, labels) -> tuple | None:
    """`shape_of`'s fields after `labels` as a plain tuple: (kept_mask, outs, raw_colours,
    fingerprint, size, edges), or None. A first sighting that the fingerprint alone
    answers needs no PrunedShape object, so it is not made here.

    Written for few bytecodes (bitmasks of small ints): this is the cost of every first
    sighting. One backward sweep finds the vertices that reach the output; the forward
    sweep then colours only vertices reached from the input along those, which are exactly
    the kept ones (every vertex on a path into a vertex that reaches the output reaches it).
    """
    n = len(labels)
    entries = int(data.translate(_ASCII01)[::-1], 2)  # bit u*n+w = entry (u, w), parsed in C
    row = (1 << n) - 1
    last = n - 1
    outs = [0] * n  # out-neighbour bitmask per vertex
    backward = 1 << last  # reaches the output (upper triangular: one sweep, last to first)
    for u, shift, bit in _BACKWARD_SWEEP[n]:
        outs[u] = targets = entries >> shift & row
        if targets & backward:
            backward |= bit
    if not backward & 1:
        return None
    # The input reaches the output, so the forward sweep reaches it too: no check needed.
    colours = [0] * n
    sums = [0] * n  # sum of the kept in-neighbours' colours, reduced when used
    kept = 1
    total = edges = 0
    for v, bit in _FORWARD_SWEEP[n]:  # the output, which has no out-edges, is coloured after the loop
        if kept & bit:
            # the tuple hash reduces sums[v] modulo _P itself (in C)
            colours[v] = colour = hash((labels[v] + 4, sums[v])) & _M
            total += colour
            targets = outs[v] & backward
            if targets:
                kept |= targets
                members = _MEMBERS[targets]
                edges += len(members)
                for w in members:
                    sums[w] += colour
    colours[last] = colour = hash((labels[last] + 4, sums[last])) & _M
    size = kept.bit_count()
    return kept, outs, colours, hash((size, total + colour)) & _M, size, edges


def shape_of_cell(cell: Cell) -> PrunedShape | None:
    return shape_of(cell._bytes, cell._codes)  # the codes are the official labels


def table_fingerprints(num_vertices: np.ndarray, adjacency: np.ndarray, ops: np.ndarray):
    """(fingerprint (n,) uint64, colours (n, V) uint64 with 0 for pruned/padding vertices).

    The same arithmetic as `shape_of`, vectorised over rows (loops only over the V
    vertex positions). Colours stay at the stored vertex positions.
    """
    n, V = ops.shape
    adj = adjacency.astype(bool)
    position = np.arange(V)
    present = position[None, :] < num_vertices[:, None].astype(np.int64)
    forward = np.zeros((n, V), dtype=bool)
    forward[:, 0] = True
    for v in range(1, V):
        forward[:, v] = np.any(adj[:, :v, v] & forward[:, :v], axis=1)
    backward = position[None, :] == (num_vertices[:, None].astype(np.int64) - 1)
    for v in range(V - 2, -1, -1):
        backward[:, v] |= np.any(adj[:, v, v + 1 :] & backward[:, v + 1 :], axis=1)
    kept = forward & backward & present
    label = (ops.astype(np.int64) + 4).astype(np.uint64)
    colours = np.zeros((n, V), dtype=np.uint64)
    zero, p = np.uint64(0), np.uint64(_P)
    # sums are kept reduced modulo P term by term (what hashing the int does), so no uint64 overflows
    for v in range(V):
        total = np.zeros(n, dtype=np.uint64)
        for u in range(v):
            total = (total + np.where(adj[:, u, v] & kept[:, u], colours[:, u] % p, zero)) % p
        colours[:, v] = np.where(kept[:, v], _pair_hash_array(label[:, v], total), zero)
    count = kept.sum(axis=1).astype(np.uint64)
    total = np.zeros(n, dtype=np.uint64)
    for v in range(V):
        total = (total + colours[:, v] % p) % p
    return _pair_hash_array(count, total), colours


def isomorphic(a: PrunedShape, b: PrunedShape) -> bool:
    """Exact check: a colour-preserving bijection that preserves labels and edges."""
    if a.fingerprint != b.fingerprint or a.edges != b.edges or a.size != b.size:
        return False
    colours_a, colours_b = a.colours, b.colours
    if sorted(colours_a) != sorted(colours_b):
        return False
    labels_a, labels_b = a.kept_labels(), b.kept_labels()
    outs_a, outs_b = a.kept_out_masks(), b.kept_out_masks()
    groups_a: dict[int, list[int]] = {}
    groups_b: dict[int, list[int]] = {}
    for v, c in enumerate(colours_a):
        groups_a.setdefault(c, []).append(v)
    for v, c in enumerate(colours_b):
        groups_b.setdefault(c, []).append(v)
    colours = list(groups_a)
    tries = 0
    for choice in itertools.product(*(itertools.permutations(groups_b[c]) for c in colours)):
        tries += 1
        if tries > _MAX_TRIES:
            return False
        to_b = [0] * a.size
        for c, targets in zip(colours, choice):
            for v, w in zip(groups_a[c], targets):
                to_b[v] = w
        if all(labels_a[v] == labels_b[to_b[v]] for v in range(len(to_b))) and all(
            _mapped_mask(outs_a[v], to_b) == outs_b[to_b[v]] for v in range(len(to_b))
        ):
            return True
    return False


def _mapped_mask(mask: int, to_b: list[int]) -> int:
    out = 0
    while mask:
        v = (mask & -mask).bit_length() - 1
        mask &= mask - 1
        out |= 1 << to_b[v]
    return out


def descendant_fingerprint(shape: PrunedShape) -> int:
    """A second invariant, for the cells whose fingerprint several rows share.

    The fingerprint sees each vertex's tree of ancestors only, and about one network in ten
    shares it with another. This one colours every kept vertex by its tree of descendants
    as well (a sweep from the output back) and sums hash((ancestors' colour, descendants'
    colour)) over the vertices: equal for isomorphic cells, and it tells apart nearly all
    networks the fingerprint confuses, so an isomorphism check rarely runs more than once.
    """
    labels, outs, kept, up = shape.labels, shape.outs, shape.kept_mask, shape.raw_colours
    down = [0] * len(labels)
    total = 0
    for v in reversed(_members(kept)):
        targets = outs[v] & kept
        below = 0
        for w in _MEMBERS[targets]:
            below += down[w]
        down[v] = colour = hash((labels[v] + 4, below)) & _M
        total += hash((up[v], colour)) & _M
    return hash((shape.size, total)) & _M


class StructuralIndex:
    """Rows of a table by fingerprint, with the stored cells' shapes made on demand.

    Fingerprints held by one row go in the dict `unique_rows` (a lookup is ~50 ns; ~40 MB
    for the full table), the few shared by several rows in another.
    """

    def __init__(self, num_vertices: np.ndarray, adjacency: np.ndarray, ops: np.ndarray):
        self._cells = (num_vertices, adjacency, ops)
        fingerprints, _ = table_fingerprints(num_vertices, adjacency, ops)
        order = np.argsort(fingerprints)
        ordered = fingerprints[order]
        repeated = np.zeros(len(order), dtype=bool)
        same = ordered[1:] == ordered[:-1]
        repeated[1:] |= same
        repeated[:-1] |= same
        self.unique_rows = dict(zip(ordered[~repeated].tolist(), order[~repeated].tolist()))
        self._shared: dict[int, list[int]] = {}
        for fingerprint, row in zip(ordered[repeated].tolist(), order[repeated].tolist()):
            self._shared.setdefault(fingerprint, []).append(row)
        self._descendants: dict[int, int] = {}  # row of a shared fingerprint -> descendant_fingerprint

    def rows_for(self, fingerprint: int) -> list[int]:
        row = self.unique_rows.get(fingerprint)
        return [row] if row is not None else self._shared.get(fingerprint, [])

    def shared_candidates(self, shape: PrunedShape) -> list[int]:
        """Rows that share `shape`'s fingerprint with other rows and also agree with it on
        `descendant_fingerprint` (computed for a stored row when first needed, then kept)."""
        rows = self._shared.get(shape.fingerprint)
        if not rows:
            return []
        wanted = descendant_fingerprint(shape)
        known = self._descendants
        found = []
        for row in rows:
            value = known.get(row)
            if value is None:
                stored = self.stored_shape(row)
                value = known[row] = descendant_fingerprint(stored) if stored is not None else -1
            if value == wanted:
                found.append(row)
        return found

    def stored_shape(self, row: int) -> PrunedShape | None:
        num_vertices, adjacency, ops = self._cells
        v = int(num_vertices[row])
        return shape_of(adjacency[row, :v, :v].tobytes(), ops[row, :v].tolist())

    def find(self, shape: PrunedShape, rows: list[int] | None = None) -> int | None:
        """The row (among `rows`, default: the candidates for its fingerprints) whose stored
        cell is isomorphic to `shape`, or None."""
        if rows is None:
            row = self.unique_rows.get(shape.fingerprint)
            rows = [row] if row is not None else self.shared_candidates(shape)
        for row in rows:
            stored = self.stored_shape(row)
            if stored is not None and isomorphic(shape, stored):
                return row
        return None
