"""Sample and mutate keep the reference distributions (a chi-squared test on 100,000 draws).

The reference is the earlier algorithm: every index drawn uniformly and independently, and
a mutation that picks a dimension uniformly and then any other choice of it uniformly.
"""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pytest
from scipy.stats import chisquare

from benchlab.draws import index_from_raw, uniform_index
from benchlab.spaces.categorical import CategoricalSpace, Dimension
from benchlab.spaces.nb201 import NB201Space

N = 100_000
ALPHA = 1e-3  # the tests are seeded: a fixed outcome, with margin against a chance failure


def mixed_space() -> CategoricalSpace:
    sizes = (2, 3, 4, 6)
    return CategoricalSpace([Dimension(f"d{i}", tuple(range(n))) for i, n in enumerate(sizes)], name="mixed")


def _p_value(counts: Counter, cells: list, probability) -> float:
    observed = np.array([counts.get(cell, 0) for cell in cells], dtype=float)
    expected = np.array([probability(cell) for cell in cells]) * N
    assert observed.sum() == N  # nothing fell outside the cells
    return float(chisquare(observed, expected).pvalue)


@pytest.mark.parametrize("make_space", [NB201Space, mixed_space], ids=["nb201", "mixed"])
@pytest.mark.parametrize("bit_generator", [np.random.PCG64, np.random.MT19937], ids=["pcg64", "mt19937"])
def test_sample_is_uniform_over_the_grid(make_space, bit_generator):
    space = make_space()
    rng = np.random.Generator(bit_generator(3))
    counts = Counter(space.sample(rng) for _ in range(N))
    cells = list(itertools.product(*map(range, space.decision_sizes)))
    assert _p_value(counts, cells, lambda cell: 1 / space.size) > ALPHA
    for i, n in enumerate(space.decision_sizes):  # and each index on its own
        marginal = Counter(cell[i] for cell in counts.elements())
        assert _p_value(marginal, list(range(n)), lambda v: 1 / n) > ALPHA


def test_mutation_picks_a_dimension_then_another_choice_uniformly():
    space = mixed_space()
    parent = (1, 2, 3, 5)
    rng = np.random.default_rng(4)
    counts = Counter(space.mutate(parent, rng) for _ in range(N))
    sizes = space.decision_sizes
    children = [parent[:i] + (v,) + parent[i + 1:] for i, n in enumerate(sizes) for v in range(n) if v != parent[i]]

    def reference(child):
        (i,) = [j for j, (a, b) in enumerate(zip(parent, child)) if a != b]
        return 1 / (len(sizes) * (sizes[i] - 1))

    assert _p_value(counts, children, reference) > ALPHA


def test_the_draws_are_those_of_int_random_times_n():
    """index_from_raw(raw, n) is int(random() * n) for the random() numpy makes of that raw draw."""
    raws = np.random.default_rng(5).bit_generator.random_raw(1000)
    doubles = np.random.Generator(np.random.PCG64(5)).random(1000)
    for raw, double in zip(raws.tolist(), doubles.tolist()):
        assert (raw >> 11) * 2.0**-53 == double
        for n in (2, 3, 5, 15_625):
            assert index_from_raw(raw, n) == int(double * n)
    rng_a, rng_b = np.random.default_rng(6), np.random.default_rng(6)
    assert [uniform_index(rng_a, 7) for _ in range(50)] == [int(rng_b.random() * 7) for _ in range(50)]
