import numpy as np
import pytest

from benchlab.errors import InvalidArchitectureError
from benchlab.spaces.categorical import CategoricalSpace, Dimension


@pytest.fixture
def space():
    return CategoricalSpace(
        [Dimension("lr", (0.001, 0.01, 0.1), ordinal=True), Dimension("act", ("relu", "tanh")), Dimension("n", (16, 32, 64, 128), ordinal=True)],
        name="grid",
    )


def test_size_and_sampling_are_seeded(space):
    assert space.size == 24
    a = [space.sample(np.random.default_rng(1)) for _ in range(3)]
    b = [space.sample(np.random.default_rng(1)) for _ in range(3)]
    assert a == b
    assert all(space.is_valid(x) for x in a)


def test_mutation_changes_exactly_one_dimension(space):
    rng = np.random.default_rng(0)
    for _ in range(200):
        parent = space.sample(rng)
        child = space.mutate(parent, rng)
        assert space.key(child) != space.key(parent)
        assert sum(p != c for p, c in zip(parent, child)) == 1


def test_neighbours_are_distinct_valid_and_ordinal_steps_are_adjacent(space):
    arch = (0, 1, 2)
    neighbours = space.neighbours(arch)
    keys = {space.key(n) for n in neighbours}
    assert len(keys) == len(neighbours) and space.key(arch) not in keys
    assert sorted(neighbours) == sorted([(1, 1, 2), (0, 0, 2), (0, 1, 1), (0, 1, 3)])


def test_encoding_and_decisions_round_trip(space):
    arch = (2, 0, 3)
    vec = space.encode(arch)
    assert vec.shape == (space.encoding_size,) == (4,)
    np.testing.assert_allclose(vec, [1.0, 1.0, 0.0, 1.0])
    assert space.from_decisions(space.to_decisions(arch)) == arch
    assert space.decision_sizes == (3, 2, 4)


def test_text_form_round_trips_and_rejects_bad_text(space):
    arch = (1, 1, 0)
    assert space.parse(space.format(arch)) == arch
    assert space.parse("1,1,0") == arch
    with pytest.raises(InvalidArchitectureError, match="act must be one of"):
        space.parse("lr=0.01,act=gelu,n=16")
    with pytest.raises(InvalidArchitectureError, match="expected 3"):
        space.parse("1,1")
    with pytest.raises(InvalidArchitectureError, match="outside"):
        space.from_decisions([5, 0, 0])
