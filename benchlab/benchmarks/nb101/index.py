"""Finding a cell's row in an NB101 table without computing its MD5 module hash.

The official module hash costs ~0.3 ms a cell (dozens of MD5 digests of hex strings). A
cell never met before would pay it on every first sighting. Instead, every row of the
table gets the structural fingerprint of `benchlab.spaces.nb101.fingerprint`, computed
for the whole table at once with numpy; a query computes the same fingerprint for its
cell in pure Python (a few microseconds), finds the candidate rows in a dict, and accepts
a row only after an exact isomorphism check against that row's cell (in a complete table,
see `CellResolver`, a candidate that is alone needs none). Isomorphic cells have the same
official hash, so an accepted row is exactly the row the official algorithm finds; when no
candidate passes (a cell absent from the table, or a rare fingerprint tie) the caller
falls back to the official key. The per-vertex colours also drive the isomorphism check:
an isomorphism maps each vertex to one of the same colour.
"""

from __future__ import annotations

import itertools

import numpy as np

from benchlab.spaces.nb101.fingerprint import cell_fingerprint, mix, table_fingerprints
from benchlab.spaces.nb101.pruning import members

_MAX_TRIES = 720  # isomorphism candidates tried per row before giving up (falls back)


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
        return tuple(members(self.kept_mask))

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



def shape_of(data: bytes, labels) -> PrunedShape | None:
    """Prune and fingerprint one cell (see `cell_fingerprint`); None when disconnected."""
    parts = cell_fingerprint(data, labels)
    return None if parts is None else PrunedShape(labels, *parts)


def shape_of_cell(cell) -> PrunedShape | None:
    return shape_of(cell._bytes, cell._codes)  # the codes are the official labels


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
    for v in reversed(members(kept)):
        below = 0
        for w in members(outs[v] & kept):
            below += down[w]
        down[v] = colour = mix(labels[v] + 4, below)
        total += mix(up[v], colour)
    return mix(shape.size, total)


class StructuralIndex:
    """Rows of a table by fingerprint, with the stored cells' shapes made on demand.

    Fingerprints held by one row go in the dict `unique_rows` (a lookup is ~50 ns; ~40 MB
    for the full table), the few shared by several rows in another.
    """

    def __init__(self, num_vertices: np.ndarray, adjacency: np.ndarray, ops: np.ndarray):
        self._cells = (num_vertices, adjacency, ops)
        fingerprints, _, pruned = table_fingerprints(num_vertices, adjacency, ops)
        # a stored cell that is not pruned is never found by fingerprint (the official key finds it)
        order = np.argsort(fingerprints)
        order = order[pruned[order]]
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
