"""NB101 moves: sampling, mutation and one-move neighbours, as the NAS-Bench-101 notebook."""

from __future__ import annotations

import numpy as np

from benchlab.errors import UserError
from benchlab.spaces.nb101.cell import OPS, Cell, as_cell
from benchlab.spaces.nb101.fingerprint import cell_fingerprint


def cell_from_parts(matrix: np.ndarray, op_choices) -> Cell:
    codes = [-1, *(int(c) for c in op_choices), -2]
    return Cell._trusted(np.ascontiguousarray(matrix, dtype=np.uint8).tobytes(), codes)


def sample(space, rng: np.random.Generator) -> Cell:
    """As the NAS-Bench-101 notebook: Bernoulli(0.5) upper triangle, uniform ops, reject invalid.

    Returns the sampled (unpruned) cell; `key` prunes. The upper triangle is one uniform
    integer of V(V-1)/2 bits and the interior ops one uniform integer below 3^(V-2) (the
    same distribution as a draw per entry, in two calls instead of two arrays), and only the
    edges are redrawn until valid: validity does not depend on the ops, so the accepted
    cells are distributed exactly as with the notebook's sampler (tests/spaces/nb101 checks
    it with a chi-squared test against it).
    """
    V = space.max_vertices
    rows = space._row_bytes
    while True:
        bits = int(rng.integers(0, 1 << len(space._upper)))
        # row u's bits are the entries (u, u+1..V-1): its bytes come from a table
        data = b"".join([row[bits >> shift & mask] for row, shift, mask in rows])
        if space.rule_broken(data, V) is None:
            break
    ops = int(rng.integers(0, len(OPS) ** (V - 2)))
    codes = [-1] * V
    for v in range(V - 2, 0, -1):
        ops, codes[v] = divmod(ops, len(OPS))
    codes[-1] = -2
    return Cell._trusted(data, codes)


def _pruned_network(parts: tuple, codes) -> tuple:
    """The pruned cell as (kept mask, kept out-masks, kept codes), from `cell_fingerprint` parts."""
    kept, outs = parts[0], parts[1]
    members = [v for v in range(len(codes)) if kept >> v & 1]
    return kept, tuple(outs[v] & kept for v in members), tuple(codes[v] for v in members)


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
    child is valid and its key differs from the parent's.

    Keys are compared only when the fingerprints agree and the pruned networks differ:
    cells with different fingerprints always have different keys (equal keys imply equal
    fingerprints) and equal pruned networks equal keys, so the answer is the key
    comparison's without computing canonical forms for nearly every child.
    """
    as_cell(arch, space.name)
    parent = cell_fingerprint(arch._bytes, arch._codes)  # prunes: the parent's validity too
    if parent is None or parent[4] > space.max_vertices or parent[5] > space.max_edges:
        space.validate(arch)  # raises, naming the broken rule
    V = space.max_vertices
    if V == 2:
        raise UserError(f"{space.name} holds a single cell, which has no mutation")
    matrix0, ops0 = full_size(space, arch)
    data0 = matrix0.tobytes()
    upper = space._upper_flat.tolist()
    edge_rate, op_rate = rate / V, rate / (V - 2)
    parent_network = _pruned_network(parent, arch._codes)
    parent_key = None
    for _ in range(100_000):
        flat = bytearray(data0)
        for i in (rng.random(len(upper)) < edge_rate).nonzero()[0].tolist():  # the few edges that flip
            flat[upper[i]] ^= 1
        ops = list(ops0)
        for i in (rng.random(V - 2) < op_rate).nonzero()[0].tolist():
            ops[i] = (ops[i] + int(rng.integers(1, len(OPS)))) % len(OPS)
        data, codes = bytes(flat), [-1, *ops, -2]
        parts = cell_fingerprint(data, codes)  # prunes: validity and fingerprint at once
        if parts is None or parts[4] > space.max_vertices or parts[5] > space.max_edges:
            continue
        child = Cell._trusted(data, codes)
        if parts[3] != parent[3]:
            return child
        if _pruned_network(parts, codes) == parent_network:
            continue  # the same network (a change pruning removes): the same key
        if parent_key is None:
            parent_key = space.key(arch)
        if space.key(child) != parent_key:
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

