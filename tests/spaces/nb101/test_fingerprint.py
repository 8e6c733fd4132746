"""The fingerprint's mixer and one-cell/table fingerprints, pinned by shared vectors.

The Python and numpy implementations must agree bit for bit (the table's index is built
with one and queried with the other); these vectors pin both, so a change to either that
the other does not follow fails here rather than as silent lookups through the slow path.
"""

import numpy as np
import pytest

from benchlab.spaces.nb101 import Cell, NB101Space, prune
from benchlab.spaces.nb101.fingerprint import cell_fingerprint, mix, mix_array, table_fingerprints
from tests.compat.nb101_tables import stack_cells

MIX_VECTORS = [
    (0, 0, 0),
    (1, 0, 11400714814019112807),
    (0, 1, 11400714814019112807),
    (2**64 - 1, 1, 0),
    (0x243F6A8885A308D3, 3 * 2**64 + 5, 1078573119850406059),  # sums beyond 64 bits count mod 2**64
    (12345, 2**70 + 99, 15033284825545336067),
]

CELL_VECTORS = [
    (Cell([[0, 1], [0, 0]], ["input", "output"]), (9641269409448601291, 2, 1)),
    (
        Cell([[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]], ["input", "conv3x3-bn-relu", "maxpool3x3", "output"]),
        (17236419603862788540, 4, 4),
    ),
    (  # vertex 4 reaches no output: pruned, so 6 vertices and 6 edges count
        Cell(
            [
                [0, 1, 0, 0, 0, 1, 0], [0, 0, 1, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 1, 0, 1],
                [0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0],
            ],
            ["input", "conv1x1-bn-relu", "conv3x3-bn-relu", "maxpool3x3", "conv3x3-bn-relu", "conv1x1-bn-relu", "output"],
        ),
        (16158036852891501881, 6, 6),
    ),
]


@pytest.mark.parametrize("a, b, expected", MIX_VECTORS)
def test_python_and_numpy_mixers_give_the_pinned_values(a, b, expected):
    assert mix(a, b) == expected
    wide = np.array([a], dtype=np.uint64), np.array([b % 2**64], dtype=np.uint64)
    assert int(mix_array(*wide)[0]) == expected


def test_cell_and_table_fingerprints_give_the_pinned_values():
    pruned = [Cell(*prune(cell, None)) for cell, _ in CELL_VECTORS]
    fingerprints, _, is_pruned = table_fingerprints(*stack_cells(pruned, 7))
    assert is_pruned.all()
    for i, (cell, (fingerprint, size, edges)) in enumerate(CELL_VECTORS):
        assert cell_fingerprint(cell._bytes, cell._codes)[3:] == (fingerprint, size, edges)
        assert int(fingerprints[i]) == fingerprint


def test_fingerprint_ignores_the_numbering_and_separates_sampled_networks():
    space = NB101Space()
    rng = np.random.default_rng(0)
    by_key: dict[str, int] = {}
    for _ in range(300):
        cell = space.sample(rng)
        by_key.setdefault(space.key(cell), cell_fingerprint(cell._bytes, cell._codes)[3])
        assert by_key[space.key(cell)] == cell_fingerprint(cell._bytes, cell._codes)[3]
    # a fingerprint is held by few networks (ties cost a check, never a wrong row)
    assert len(set(by_key.values())) >= 0.8 * len(by_key)
