"""NB101 moves: sampling, mutation and one-move neighbours, as the NAS-Bench-101 notebook."""

from __future__ import annotations

import functools

import numpy as np

from benchlab.errors import UserError
from benchlab.spaces.nb101.cell import OPS, Cell, as_cell
from benchlab.spaces.nb101.fingerprint import pruned_fingerprint
from benchlab.spaces.nb101.pruning import bytes_of, entries_of, members, prune_entries


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


def _padded(space, cell: Cell) -> tuple[int, list[int]]:
    """`full_size` as (adjacency int as `entries_of` gives it, all V op codes)."""
    if cell.num_vertices == space.max_vertices:
        return entries_of(cell._bytes), list(cell._codes)
    matrix, ops = full_size(space, cell)
    return entries_of(matrix.tobytes()), [-1, *ops, -2]


@functools.lru_cache(maxsize=64)
def _change_probabilities(V: int, rate: float) -> np.ndarray:
    """rate/V per upper-triangle edge, then rate/(V-2) per interior op (read-only; a pure
    function's memo: building the array costs about 1 µs, a fifteenth of a mutation)."""
    probabilities = np.array([rate / V] * (V * (V - 1) // 2) + [rate / (V - 2)] * (V - 2))
    probabilities.flags.writeable = False
    return probabilities


def _same_network(a: tuple, codes_a, b: tuple, codes_b) -> bool:
    """Whether two `prune_entries` results (with their op codes) are the same pruned cell."""
    return a[0] == b[0] and a[2] == b[2] and all(codes_a[v] == codes_b[v] for v in members(a[0]))


def mutate(space, arch: Cell, rng: np.random.Generator, rate: float = 1.0) -> Cell:
    """As the NAS-Bench-101 notebook: each edge flips with probability rate/V, each
    interior op becomes a different op with probability rate/(V-2); retried until the
    child is valid and its key differs from the parent's.

    The same draws as the notebook's algorithm (one array of V(V-1)/2 + V-2 uniforms is its
    edge array followed by its op array). A child is an adjacency int (`entries_of`) until
    it is returned, and keys are compared only when nothing cheaper decides: equal keys
    imply equal (vertices, edges) after pruning (the official hash encodes every vertex's
    degrees) and equal fingerprints, and equal pruned networks imply equal keys.
    """
    as_cell(arch, space.name)
    V, max_edges = space.max_vertices, space.max_edges
    entries0, codes0 = _padded(space, arch)  # an invalid cell smaller than V raises here
    parent = prune_entries(entries0, V)
    if parent is None or parent[2].bit_count() > max_edges:
        space.validate(arch)  # raises, naming the broken rule
    if V == 2:
        raise UserError(f"{space.name} holds a single cell, which has no mutation")
    edge_bits = space._upper_bits
    probabilities = _change_probabilities(V, rate)
    vertices, edges = parent[0].bit_count(), parent[2].bit_count()  # after pruning
    for _ in range(100_000):
        entries, codes = entries0, list(codes0)
        for i in (rng.random(len(probabilities)) < probabilities).nonzero()[0].tolist():
            if i < len(edge_bits):
                entries ^= edge_bits[i]
            else:  # an op change, drawn after the edge flips as in the notebook
                v = i - len(edge_bits) + 1
                codes[v] = (codes[v] + int(rng.integers(1, len(OPS)))) % len(OPS)
        found = prune_entries(entries, V)
        if found is None or found[2].bit_count() > max_edges:
            continue  # invalid
        if found[0].bit_count() != vertices or found[2].bit_count() != edges:
            return Cell._trusted(bytes_of(entries, V), codes)
        if _same_network(found, codes, parent, codes0):
            continue  # a change pruning removes: the same key
        child = Cell._trusted(bytes_of(entries, V), codes)
        if pruned_fingerprint(found, codes)[3] != pruned_fingerprint(parent, codes0)[3]:
            return child
        if space.key(child) != space.key(arch):
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

