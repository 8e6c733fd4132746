"""Finding a cell's row in an NB101 table without computing its MD5 module hash.

The official module hash costs ~0.3 ms a cell (dozens of MD5 digests of hex strings). A
cell never met before would pay it on every first sighting. Instead, every row of the
table gets a 64-bit structural fingerprint, computed for the whole table at once with
numpy; a query computes the same fingerprint for its cell in pure Python (~15 us), finds
the candidate rows with a binary search, and accepts a row only after an exact
isomorphism check against that row's cell. Isomorphic cells have the same official hash,
so an accepted row is exactly the row the official algorithm finds; when no candidate
passes (a cell absent from the table, or a rare fingerprint tie) the caller falls back to
the official key.

The fingerprint of a pruned cell (a DAG whose vertex order is topological), with P = 2**61-1:
    colour[v] = hash((label_v + 4, (sum of colour[u] over edges u -> v) % P)) % P
    F         = hash((vertices, (sum of colour[v]) % P)) % P
Python's own tuple hash makes this a few C calls per vertex: a hash of each vertex's tree
of ancestors. It depends only on the graph up to isomorphism, and only on what the official
(Weisfeiler-Lehman) hash sees, so cells with one official hash share it. The per-vertex
colours `up` also drive the isomorphism check: an isomorphism maps each vertex to one of
the same colour. For the table the tuple hash is rebuilt in numpy
(CPython's algorithm); tests check that both agree on every row, and were they ever to
differ (another Python implementation) lookups would only miss and fall back. Hand-written because no library computes an invariant of these labelled DAGs
that is both vectorisable over a table and cheap for one small graph.
"""

from __future__ import annotations

import itertools

import numpy as np

from benchlab.spaces.nb101 import LABELS, Cell

_P = (1 << 61) - 1  # CPython's modulus for hashing ints: hash(x) == x for 0 <= x < _P
_MAX_TRIES = 720  # isomorphism candidates tried per row before giving up (falls back)
# CPython's tuple hash (Objects/tupleobject.c, unchanged since 3.8), rebuilt with numpy below.
_XXPRIME_1, _XXPRIME_2, _XXPRIME_5 = 11400714785074694791, 14029467366897019727, 2870177450012600261
_TUPLE2_SUFFIX = 2 ^ (_XXPRIME_5 ^ 3527539)


def _pair_hash_array(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`hash((a, b)) % _P` for uint64 arrays with entries in [0, _P), as CPython computes it."""
    acc = np.full(a.shape, _XXPRIME_5, dtype=np.uint64)
    for lane in (a, b):
        acc = acc + lane * np.uint64(_XXPRIME_2)
        acc = (acc << np.uint64(31)) | (acc >> np.uint64(33))
        acc = acc * np.uint64(_XXPRIME_1)
    acc = acc + np.uint64(_TUPLE2_SUFFIX)
    acc = np.where(acc == np.uint64(_MASK64), np.uint64(1546275796), acc)
    # the hash is a signed 64-bit value; Python's % _P of a negative x = u - 2**64 adds 2**64 % _P = 8
    reduced = acc % np.uint64(_P)
    negative = acc >= np.uint64(1 << 63)
    return np.where(negative, (reduced + np.uint64(_P - 8)) % np.uint64(_P), reduced)


_MASK64 = (1 << 64) - 1


class PrunedShape:
    """A cell's pruned structure with the fingerprint's per-vertex colours."""

    __slots__ = ("labels", "outs", "colours", "fingerprint", "edges")

    def __init__(self, labels: list[int], outs: list[int], colours: list[int], fingerprint: int, edges: int):
        self.labels = labels  # label per kept vertex, in topological order
        self.outs = outs  # out-neighbour bitmask per kept vertex (kept indices)
        self.colours = colours
        self.fingerprint = fingerprint
        self.edges = edges


def shape_of(sources: list[int], targets: list[int], labels: list[int]) -> PrunedShape | None:
    """Prune (official rule: keep vertices on an input->output path) and fingerprint one cell.

    The cell's edges are `sources[i] -> targets[i]` in row-major order of its upper-triangular
    adjacency (as `np.nonzero` lists them); `labels` are the official integer labels. None
    when the input does not reach the output.
    """
    n = len(labels)
    forward = 1
    for u, w in zip(sources, targets):  # sources ascending: u's status is final when reached
        if forward >> u & 1:
            forward |= 1 << w
    backward = 1 << (n - 1)
    for u, w in zip(reversed(sources), reversed(targets)):
        if backward >> w & 1:
            backward |= 1 << u
    kept_mask = forward & backward
    if not (kept_mask & 1 and kept_mask >> (n - 1) & 1):
        return None
    kept = [v for v in range(n) if kept_mask >> v & 1]
    index = {v: i for i, v in enumerate(kept)}
    k = len(kept)
    sums = [0] * k  # sum of the in-neighbours' colours, reduced when used
    outs = [0] * k
    edges = [(index[u], index[w]) for u, w in zip(sources, targets) if kept_mask >> u & 1 and kept_mask >> w & 1]
    colours = []
    e = 0
    for i in range(k):
        colour = hash((labels[kept[i]] + 4, sums[i] % _P)) % _P
        colours.append(colour)
        while e < len(edges) and edges[e][0] == i:  # edges leave i in order
            j = edges[e][1]
            sums[j] += colour
            outs[i] |= 1 << j
            e += 1
    fingerprint = hash((k, sum(colours) % _P)) % _P
    return PrunedShape([labels[v] for v in kept], outs, colours, fingerprint, len(edges))


def shape_of_cell(cell: Cell) -> PrunedShape | None:
    sources, targets = np.nonzero(cell.matrix)
    return shape_of(sources.tolist(), targets.tolist(), [LABELS[o] for o in cell.ops])


def table_fingerprints(num_vertices: np.ndarray, adjacency: np.ndarray, ops: np.ndarray):
    """(fingerprint (n,) uint64, colours (n, V) uint64 with 0 for pruned/padding vertices).

    The same arithmetic as `shape_of`, vectorised over rows (loops only over the V <= 7
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
    for v in range(V):
        total = np.zeros(n, dtype=np.uint64)  # at most 6 terms below 2**61: no overflow
        for u in range(v):
            total += np.where(adj[:, u, v] & kept[:, u], colours[:, u], zero)
        colours[:, v] = np.where(kept[:, v], _pair_hash_array(label[:, v], total % p), zero)
    count = kept.sum(axis=1).astype(np.uint64)
    fingerprints = _pair_hash_array(count, colours.sum(axis=1, dtype=np.uint64) % p)
    return fingerprints, colours


def isomorphic(a: PrunedShape, b: PrunedShape) -> bool:
    """Exact check: a colour-preserving bijection that preserves labels and edges."""
    if a.fingerprint != b.fingerprint or a.edges != b.edges or sorted(a.colours) != sorted(b.colours):
        return False
    groups_a: dict[int, list[int]] = {}
    groups_b: dict[int, list[int]] = {}
    for v, c in enumerate(a.colours):
        groups_a.setdefault(c, []).append(v)
    for v, c in enumerate(b.colours):
        groups_b.setdefault(c, []).append(v)
    colours = list(groups_a)
    tries = 0
    for choice in itertools.product(*(itertools.permutations(groups_b[c]) for c in colours)):
        tries += 1
        if tries > _MAX_TRIES:
            return False
        to_b = [0] * len(a.colours)
        for c, targets in zip(colours, choice):
            for v, w in zip(groups_a[c], targets):
                to_b[v] = w
        if all(a.labels[v] == b.labels[to_b[v]] for v in range(len(to_b))) and all(
            _mapped_mask(a.outs[v], to_b) == b.outs[to_b[v]] for v in range(len(to_b))
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


class StructuralIndex:
    """Rows of a table by fingerprint, with the stored cells' shapes made on demand."""

    def __init__(self, num_vertices: np.ndarray, adjacency: np.ndarray, ops: np.ndarray):
        self._cells = (num_vertices, adjacency, ops)
        fingerprints, _ = table_fingerprints(num_vertices, adjacency, ops)
        self._order = np.argsort(fingerprints)
        self._sorted = fingerprints[self._order]

    def rows_for(self, fingerprint: int) -> np.ndarray:
        key = np.uint64(fingerprint)
        lo = int(np.searchsorted(self._sorted, key, side="left"))
        hi = int(np.searchsorted(self._sorted, key, side="right"))
        return self._order[lo:hi]

    def stored_shape(self, row: int) -> PrunedShape | None:
        num_vertices, adjacency, ops = self._cells
        v = int(num_vertices[row])
        sources, targets = np.nonzero(adjacency[row, :v, :v])
        return shape_of(sources.tolist(), targets.tolist(), ops[row, :v].tolist())

    def find(self, shape: PrunedShape, rows: np.ndarray | None = None) -> int | None:
        """The row (among `rows`, default: those with its fingerprint) whose stored cell is
        isomorphic to `shape`, or None."""
        if rows is None:
            rows = self.rows_for(shape.fingerprint)
        for row in rows.tolist():
            stored = self.stored_shape(row)
            if stored is not None and isomorphic(shape, stored):
                return row
        return None
