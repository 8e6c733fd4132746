"""NB101 moves: sampling, mutation and one-move neighbours, as the NAS-Bench-101 notebook."""

from __future__ import annotations

import numpy as np

from benchlab.errors import UserError
from benchlab.spaces.nb101.cell import OPS, Cell


def cell_from_parts(matrix: np.ndarray, op_choices) -> Cell:
    codes = [-1, *(int(c) for c in op_choices), -2]
    return Cell._trusted(np.ascontiguousarray(matrix, dtype=np.uint8).tobytes(), codes)


def sample(space, rng: np.random.Generator) -> Cell:
    """As the NAS-Bench-101 notebook: Bernoulli(0.5) upper triangle, uniform ops, reject invalid.

    Returns the sampled (unpruned) cell; `key` prunes.
    """
    V = space.max_vertices
    while True:
        matrix = np.triu(rng.integers(0, 2, size=(V, V), dtype=np.uint8), 1)
        ops = rng.integers(0, len(OPS), size=V)[1:-1]
        cell = cell_from_parts(matrix, ops)
        if space.is_valid(cell):
            return cell


def full_size(space, cell: Cell) -> tuple[np.ndarray, list[int]]:
    """(V x V matrix, interior op indices) of a cell, padding a smaller pruned cell.

    A cell with exactly `max_vertices` vertices is used as it is; any other is pruned
    and padded with unconnected conv3x3 vertices just before the output (pruned again
    by `key`, so the padded cell is the same network).
    """
    V = space.max_vertices
    if cell.num_vertices == V:
        return cell.matrix.copy(), list(cell._codes[1:-1])
    small = space.prune(cell)
    n = small.num_vertices
    matrix = np.zeros((V, V), dtype=np.uint8)
    index = [*range(n - 1), V - 1]
    matrix[np.ix_(index, index)] = small.matrix
    ops = list(small._codes[1:-1]) + [0] * (V - n)
    return matrix, ops


def mutate(space, arch: Cell, rng: np.random.Generator, rate: float = 1.0) -> Cell:
    """As the NAS-Bench-101 notebook: each edge flips with probability rate/V, each
    interior op becomes a different op with probability rate/(V-2); retried until the
    child is valid and its key differs from the parent's."""
    parent_key = space.key(arch)
    V = space.max_vertices
    if V == 2:
        raise UserError(f"{space.name} holds a single cell, which has no mutation")
    matrix0, ops0 = full_size(space, arch)
    rows, cols = np.triu_indices(V, 1)
    for _ in range(100_000):
        matrix = matrix0.copy()
        flips = rng.random(len(rows)) < rate / V
        matrix[rows[flips], cols[flips]] ^= 1
        ops = list(ops0)
        for i in np.flatnonzero(rng.random(V - 2) < rate / (V - 2)):
            ops[i] = (ops[i] + int(rng.integers(1, len(OPS)))) % len(OPS)
        child = cell_from_parts(matrix, ops)
        if space.is_valid(child) and space.key(child) != parent_key:
            return child
    raise UserError(f"{space.name}: no valid cell with a different key near {space.format(arch)}")


def neighbours(space, arch: Cell) -> list[Cell]:
    """Every valid cell one edge flip or one interior op change away (on the cell padded
    to max_vertices), one per key, the parent's key excluded; in a fixed order."""
    parent_key = space.key(arch)
    matrix0, ops0 = full_size(space, arch)
    seen = {parent_key}
    result = []
    candidates = []
    for i, j in space._upper:
        matrix = matrix0.copy()
        matrix[i, j] ^= 1
        candidates.append(cell_from_parts(matrix, ops0))
    for v in range(len(ops0)):
        for shift in range(1, len(OPS)):
            ops = list(ops0)
            ops[v] = (ops[v] + shift) % len(OPS)
            candidates.append(cell_from_parts(matrix0, ops))
    for cell in candidates:
        if space.is_valid(cell):
            k = space.key(cell)
            if k not in seen:
                seen.add(k)
                result.append(cell)
    return result

