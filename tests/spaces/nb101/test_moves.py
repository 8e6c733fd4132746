"""NB101 sample and mutate give exactly the reference algorithms' distributions.

`mutate` keeps the reference's draws, so it must return the same cell for the same
generator (on sampled parents, and on parents whose children are often isomorphic to
them); `sample` draws differently (two integers instead of two arrays), so its
distribution is compared with the reference's by chi-squared tests on 100,000 samples.
"""

import numpy as np
import pytest
from scipy.stats import chi2_contingency

from benchlab.spaces.nb101 import Cell, NB101Space
from benchlab.spaces.nb101.pruning import members, prune_masks
from tests.spaces.nb101.reference_moves import reference_mutate, reference_sample


@pytest.mark.parametrize("max_vertices, max_edges", [(7, 9), (5, 9), (4, 5)])
def test_mutate_makes_the_reference_draws(max_vertices, max_edges):
    space = NB101Space(max_vertices, max_edges)
    rng = np.random.default_rng(1)
    parents = [space.sample(rng) for _ in range(150)] + [space.prune(space.sample(rng)) for _ in range(50)]
    for i, parent in enumerate(parents):
        ours, theirs = np.random.default_rng(i), np.random.default_rng(i)
        rate = 1.0 if i % 2 else 2.5
        assert space.mutate(parent, ours, rate) == reference_mutate(space, parent, theirs, rate)
        assert ours.random() == theirs.random()  # and the generator is left in the same state


def test_mutate_makes_the_reference_draws_where_keys_decide():
    """Parents whose children are often the same network on other vertices (a one-vertex
    path, two parallel paths): there sizes and fingerprints agree and only keys decide."""
    ours, theirs = NB101Space(), NB101Space()
    keys_asked = []
    key = ours.key
    ours.key = lambda cell: keys_asked.append(cell) or key(cell)
    ops = ["input"] + ["conv3x3-bn-relu"] * 5 + ["output"]
    for edges in ([(0, 1), (1, 6)], [(0, 1), (1, 6), (0, 2), (2, 6)]):
        matrix = np.zeros((7, 7), dtype=np.uint8)
        for u, w in edges:
            matrix[u, w] = 1
        parent = Cell(matrix, ops)
        for i in range(300):
            a, b = np.random.default_rng(i), np.random.default_rng(i)
            assert ours.mutate(parent, a, 1.0 + i % 3) == reference_mutate(theirs, parent, b, 1.0 + i % 3)
            assert a.random() == b.random()
    assert keys_asked  # the key comparison was reached


def _pruned_size(cell) -> int:
    kept, outs = prune_masks(cell._bytes, cell.num_vertices)
    return 16 * kept.bit_count() + sum((outs[v] & kept).bit_count() for v in members(kept))


def _statistics(space: NB101Space, cells) -> dict[str, np.ndarray]:
    """Per-sample categories: each edge bit, each interior op, (pruned vertices, pruned edges)."""
    bits = np.array([np.frombuffer(c._bytes, np.uint8) for c in cells])
    ops = np.array([c._codes[1:-1] for c in cells])
    size = np.array([_pruned_size(c) for c in cells])
    out = {f"edge {k}": bits[:, k] for k in space._upper_flat.tolist()}
    out.update({f"op {v + 1}": ops[:, v] for v in range(ops.shape[1])})
    out["pruned size"] = size
    return out


@pytest.mark.slow
def test_sample_has_the_reference_distribution():
    space = NB101Space()
    n = 100_000
    ours = _statistics(space, [space.sample(rng) for rng in [np.random.default_rng(1)] for _ in range(n)])
    theirs = _statistics(space, [reference_sample(space, rng) for rng in [np.random.default_rng(2)] for _ in range(n)])
    p_values = {}
    for name, values in ours.items():
        categories = np.union1d(values, theirs[name])
        table = np.array([[np.sum(values == c) for c in categories], [np.sum(theirs[name] == c) for c in categories]])
        table = table[:, table.sum(axis=0) >= 10]  # categories too rare for the test are left out
        p_values[name] = chi2_contingency(table)[1]
    # 27 tests: a family-wise 1% level
    assert min(p_values.values()) > 0.01 / len(p_values), p_values
