"""Raw NB101 cell -> table row: the one lookup path, owning every cache it uses.

A raw cell met before costs one dict lookup, keyed by its raw (matrix, ops) bytes. A raw
cell met for the first time is found through the space's key (the official module hash of
the pruned cell), or, once the resolver has met `index_after` first sightings, through the
structural index of index.py: by then those hashes have cost about what building the
index costs (~0.5 s for a full table), so short runs never pay for it and long ones soon
gain. In a complete table (one row per cell of the space) every network has a row and equal
official hashes imply equal fingerprints, so a fingerprint held by one row is that row, and
so is the one row of a shared fingerprint that also agrees on the descendant fingerprint;
otherwise every candidate is checked for isomorphism. All state lives on the object: two
resolvers never share anything unless handed the same `structural_index`.
"""

from __future__ import annotations

from benchlab.benchmarks.nb101.hash_index import HashIndex
from benchlab.benchmarks.nb101.index import PrunedShape, StructuralIndex
from benchlab.errors import InvalidArchitectureError
from benchlab.spaces.nb101.cell import as_cell
from benchlab.spaces.nb101.fingerprint import cell_fingerprint
from benchlab.spaces.nb101.space import NB101Space


class CellResolver:
    """Rows of raw cells in one table.

    `cache_limit`: raw cells remembered before the cache starts afresh. `index_after`: first
    sightings answered by the official key before the structural index is built (0: at the
    first one). `structural_index`: one already built for the same stored cells, to share.
    """

    def __init__(
        self, name: str, space: NB101Space, hashes: HashIndex, stored_cells: tuple, *, complete: bool,
        cache_limit: int = 1 << 20, index_after: int = 2000, structural_index: StructuralIndex | None = None,
    ):
        self.name = name
        self.space = space
        self.hashes = hashes
        self.stored_cells = stored_cells  # (num_vertices, adjacency, ops) arrays of the table
        self.complete = complete
        self.cache_limit = cache_limit
        self.index_after = index_after
        self.structure = structural_index
        self.rows: dict[bytes, int] = {}  # raw cell (its bytes key) -> row
        self.first_sightings = 0  # answered by the official key, before the index exists

    def row_of(self, arch) -> int:
        """The row of `arch`'s network; InvalidArchitectureError naming the problem otherwise."""
        try:
            row = self.rows.get(arch._key)
        except AttributeError:  # not a Cell: as_cell raises the message
            as_cell(arch, self.name)
            raise
        if row is None:
            row = self._first_sighting(arch)
            if len(self.rows) >= self.cache_limit:
                self.rows.clear()
            self.rows[arch._key] = row
        return row

    def build_structural_index(self) -> StructuralIndex:
        if self.structure is None:
            self.structure = StructuralIndex(*self.stored_cells)
        return self.structure

    def _first_sighting(self, cell) -> int:
        cell = as_cell(cell, self.name)
        if self.structure is None and self.first_sightings >= self.index_after:
            self.build_structural_index()
        row = None
        if self.structure is not None:
            row = self._structural_row(cell)
        else:
            self.first_sightings += 1
        if row is None:
            key = self.space.key(cell)  # validates: InvalidArchitectureError naming the broken rule
            row = self.hashes.find(key)
            if row is None:
                raise InvalidArchitectureError(f"{self.name}: cell {self.space.format(cell)} (key {key}) is not in the table")
        return row

    def _structural_row(self, cell) -> int | None:
        """The row found by fingerprint, or None to ask the official key. The common case, a
        complete table and a fingerprint one row holds, makes no `PrunedShape`."""
        parts = cell_fingerprint(cell._bytes, cell._codes)  # the codes are the official labels
        if parts is None or parts[4] > self.space.max_vertices or parts[5] > self.space.max_edges:
            return None  # the official key names the broken rule
        if self.complete:
            row = self.structure.unique_rows.get(parts[3])
            if row is not None:
                return row
        shape = PrunedShape(cell._codes, *parts)
        if not self.complete:
            return self.structure.find(shape)
        rows = self.structure.shared_candidates(shape)
        # the cell's own row is among them (complete table): when alone, no check is needed
        return rows[0] if len(rows) == 1 else self.structure.find(shape, rows)
