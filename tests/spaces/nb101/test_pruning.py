"""The one pruning implementation agrees with the official code (the oracle) everywhere."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchlab.errors import InvalidArchitectureError
from benchlab.spaces.nb101 import OPS, Cell, official_prune, prune
from benchlab.spaces.nb101.canonical import pruned_code
from benchlab.spaces.nb101.pruning import bytes_of, entries_of, members, prune_entries, prune_indices


@settings(max_examples=300, deadline=None)
@given(n=st.integers(2, 8), bits=st.integers(0, 2**28 - 1), seed=st.integers(0, 2**32 - 1))
def test_prune_equals_the_official_pruning(n, bits, seed):
    rows, cols = np.triu_indices(n, 1)
    matrix = np.zeros((n, n), dtype=np.uint8)
    matrix[rows, cols] = (bits >> np.arange(len(rows))) & 1
    ops = ["input", *np.random.default_rng(seed).choice(OPS, n - 2).tolist(), "output"]
    cell = Cell(matrix, ops)
    try:
        expected = official_prune(cell, None)
    except InvalidArchitectureError:
        with pytest.raises(InvalidArchitectureError, match="disconnected"):
            prune(cell, None)
        assert prune_indices(matrix) is None
        return
    got = prune(cell, None)
    assert np.array_equal(got[0], expected[0]) and got[1] == expected[1]
    # the adjacency as one int, and the pruned adjacency at raw and at pruned positions
    entries = entries_of(cell._bytes)
    assert bytes_of(entries, n) == cell._bytes
    kept, _, kept_entries = prune_entries(entries, n)
    keep, (rows, cols) = members(kept), np.nonzero(expected[0])
    assert kept_entries == sum(1 << (keep[i] * n + keep[j]) for i, j in zip(rows, cols))
    assert pruned_code(keep, kept_entries, n) == sum(1 << (i * len(keep) + j) for i, j in zip(rows, cols))
    keep = prune_indices(matrix * 3)  # any nonzero entry is an edge, as in the official code
    assert len(keep) == len(expected[1]) and [ops[v] for v in keep] == expected[1]
