"""The NAS-Bench-101 notebook's sampler and mutation as benchlab first wrote them: one
numpy draw per entry, canonical keys compared for every child. The reference the faster
`moves.py` is tested (and benchmarked) against."""

from __future__ import annotations

import numpy as np

from benchlab.spaces.nb101 import OPS, Cell, NB101Space
from benchlab.spaces.nb101.moves import full_size


def _cell(matrix: np.ndarray, op_choices) -> Cell:
    return Cell._trusted(np.ascontiguousarray(matrix, dtype=np.uint8).tobytes(), [-1, *(int(c) for c in op_choices), -2])


def reference_sample(space: NB101Space, rng: np.random.Generator) -> Cell:
    V = space.max_vertices
    while True:
        matrix = np.triu(rng.integers(0, 2, size=(V, V), dtype=np.uint8), 1)
        ops = rng.integers(0, len(OPS), size=V)[1:-1]
        cell = _cell(matrix, ops)
        if space.rule_broken(cell._bytes, V) is None:  # is_valid, without the canonical form
            return cell


def reference_mutate(space: NB101Space, arch: Cell, rng: np.random.Generator, rate: float = 1.0) -> Cell:
    parent_key = space.key(arch)
    V = space.max_vertices
    matrix0, ops0 = full_size(space, arch)
    rows, cols = np.triu_indices(V, 1)
    while True:
        matrix = matrix0.copy()
        flips = rng.random(len(rows)) < rate / V
        matrix[rows[flips], cols[flips]] ^= 1
        ops = list(ops0)
        for i in np.flatnonzero(rng.random(V - 2) < rate / (V - 2)):
            ops[i] = (ops[i] + int(rng.integers(1, len(OPS)))) % len(OPS)
        child = _cell(matrix, ops)
        if space.is_valid(child) and space.key(child) != parent_key:
            return child
