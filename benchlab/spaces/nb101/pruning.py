"""The official NB101 pruning rule, on bitmasks: keep the vertices on an input->output path.

`prune_entries` (and `prune_masks`, the same from bytes) is the one implementation the
package uses (the space's keys and moves, the benchmark's structural index, the drop-in
`ModelSpec`, the PyTorch network); the official code (`oracle.official_prune`) is kept
only to test it against. The adjacency is one Python int (`entries_of`, bit u*n+w = entry
(u, w)) built by C-level calls (`bytes.translate`, `int(.., 2)`): a per-entry Python loop
would cost more than a whole cached lookup, and a mutation flips an edge with one xor.
"""

from __future__ import annotations

import numpy as np

from benchlab.errors import InvalidArchitectureError
from benchlab.spaces.nb101.cell import Cell

_ASCII01 = bytes.maketrans(b"\x00\x01", b"01")
_FROM_ASCII01 = bytes.maketrans(b"01", b"\x00\x01")
DISCONNECTED = (
    "disconnected: no path from the input to the output; add edges so that the input "
    "reaches the output"
)


def entries_of(data: bytes) -> int:
    """The row-major n x n 0/1 adjacency bytes as one int: bit u*n+w = entry (u, w)."""
    return int(data.translate(_ASCII01)[::-1], 2)


def bytes_of(entries: int, n: int) -> bytes:
    """The row-major adjacency bytes of an `entries_of` int (its inverse)."""
    return format(entries, f"0{n * n}b")[::-1].encode().translate(_FROM_ASCII01)


def out_masks(data: bytes, n: int) -> list[int]:
    """Out-neighbour bitmask of every vertex (bit w of entry u set when edge u->w), from the
    row-major n x n 0/1 adjacency as bytes."""
    entries = entries_of(data)
    row = (1 << n) - 1
    return [entries >> (u * n) & row for u in range(n)]


def prune_masks(data: bytes, n: int) -> tuple[int, list[int]] | None:
    """(bitmask of the kept vertices, `out_masks` of the raw cell), or None when the input
    does not reach the output; `data` is the row-major n x n 0/1 adjacency as bytes."""
    found = prune_entries(entries_of(data), n)
    return None if found is None else found[:2]


def prune_entries(entries: int, n: int) -> tuple[int, list[int], int] | None:
    """`prune_masks` of an `entries_of` int, with a third item: the entries of the edges
    between kept vertices (the pruned adjacency, at the raw positions).

    Upper-triangular, so one backward sweep finds every vertex that reaches the output and
    one forward sweep every vertex the input reaches along those: exactly the kept ones
    (and the successors of a kept vertex that reach the output are its kept successors).
    """
    row = (1 << n) - 1
    outs = [0] * n  # the output's row is empty (upper triangular)
    backward = 1 << (n - 1)
    for u in range(n - 2, -1, -1):
        outs[u] = targets = entries >> (u * n) & row
        if targets & backward:
            backward |= 1 << u
    if not backward & 1:
        return None
    kept = 1
    kept_entries = 0
    for u in range(n - 1):
        if kept >> u & 1:
            successors = outs[u] & backward
            kept |= successors
            kept_entries |= successors << (u * n)
    return kept, outs, kept_entries


def _members(mask: int) -> tuple[int, ...]:
    return tuple(v for v in range(mask.bit_length()) if mask >> v & 1)


_MEMBERS = tuple(_members(mask) for mask in range(1 << 7))  # every mask of a cell of up to 7 vertices


def members(mask: int) -> tuple[int, ...]:
    """The vertices in a bitmask, in increasing order."""
    return _MEMBERS[mask] if mask < 128 else _members(mask)


def prune_indices(matrix) -> list[int] | None:
    """The kept vertices of a square matrix (any array-like; a nonzero entry is an edge, as
    in the official code), or None when the input does not reach the output."""
    matrix = np.asarray(matrix)
    found = prune_masks((matrix != 0).astype(np.uint8).tobytes(), matrix.shape[0])
    return None if found is None else members(found[0])


def prune(matrix, ops) -> tuple[np.ndarray, list[str]]:
    """The pruned (matrix, ops) of a cell, as the official `ModelSpec._prune` leaves them.

    `matrix` may also be a `Cell` (then `ops` is ignored); raises InvalidArchitectureError
    when the input cannot reach the output.
    """
    cell = matrix if isinstance(matrix, Cell) else Cell(matrix, ops)
    found = prune_masks(cell._bytes, cell.num_vertices)
    if found is None:
        raise InvalidArchitectureError(DISCONNECTED)
    keep = members(found[0])
    return cell.matrix[np.ix_(keep, keep)].copy(), [cell.ops[v] for v in keep]
