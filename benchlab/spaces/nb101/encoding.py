"""NB101 encodings (path, adjacency) and decisions (edge bits, op indices)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from benchlab.errors import InvalidArchitectureError
from benchlab.spaces.nb101.cell import OPS, Cell
from benchlab.spaces.nb101.moves import cell_from_parts, full_size
from benchlab.spaces.nb101.pruning import out_masks


def adjacency_size(V: int) -> int:
    return V * (V - 1) // 2 + len(OPS) * (V - 2)


def encode_adjacency(space, arch: Cell) -> np.ndarray:
    """Upper triangle of the pruned cell (padded to max_vertices) + one-hot interior ops
    (all zero for padding vertices)."""
    V = space.max_vertices
    small = space.prune(arch)
    n = small.num_vertices
    matrix = np.zeros((V, V))
    index = [*range(n - 1), V - 1]
    matrix[np.ix_(index, index)] = small.matrix
    onehot = np.zeros((V - 2, len(OPS)))
    for v, code in enumerate(small._codes[1:-1]):
        onehot[v, code] = 1.0
    rows, cols = np.triu_indices(V, 1)
    return np.concatenate([matrix[rows, cols], onehot.ravel()])


def encode_path(space, arch: Cell) -> np.ndarray:
    """BANANAS path encoding: one indicator per possible input->output path, named by
    its sequence of interior ops; sum_{i=0}^{V-2} 3^i entries (364 for V=7).

    A path with ops o_0..o_{k-1} has index sum_i 3^i * (o_i + 1) (bijective base 3), as
    in the BANANAS code, so paths of different lengths never share an entry.
    """
    small = space.prune(arch)
    outs = out_masks(small._bytes, small.num_vertices)
    last = small.num_vertices - 1
    codes = small._codes
    vec = np.zeros(space._path_size)
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


def decision_sizes(V: int) -> tuple[int, ...]:
    return (2,) * (V * (V - 1) // 2) + (len(OPS),) * (V - 2)


def to_decisions(space, arch: Cell) -> np.ndarray:
    """Edge bits of the upper triangle (row-major) then interior op indices.

    A cell of exactly max_vertices vertices round-trips unchanged; any other is
    represented by its pruned form padded to max_vertices (same key).
    """
    space.validate(arch)
    matrix, ops = full_size(space, arch)
    rows, cols = np.triu_indices(space.max_vertices, 1)
    return np.concatenate([matrix[rows, cols].astype(np.int64), np.asarray(ops, np.int64)])


def from_decisions(space, decisions: Sequence[int]) -> Cell:
    sizes = space.decision_sizes
    values = np.asarray(decisions)
    if values.shape != (len(sizes),):
        raise InvalidArchitectureError(
            f"{space.name}: expected {len(sizes)} decisions, got shape {values.shape}"
        )
    if not np.issubdtype(values.dtype, np.integer) or (values < 0).any() or (
        values >= np.asarray(sizes)
    ).any():
        raise InvalidArchitectureError(
            f"{space.name}: decision i must be an integer in 0..decision_sizes[i]-1, got {values.tolist()}"
        )
    V = space.max_vertices
    edges = V * (V - 1) // 2
    matrix = np.zeros((V, V), dtype=np.uint8)
    rows, cols = np.triu_indices(V, 1)
    matrix[rows, cols] = values[:edges]
    cell = cell_from_parts(matrix, values[edges:])
    space.validate(cell)
    return cell

