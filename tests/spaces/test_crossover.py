"""`crossover(a, b, rng)` on every space: children mix their parents often (seeding, validity and
decisions from the parents are checked by the conformance kit, tests/spaces/test_conformance.py)."""

from __future__ import annotations

import numpy as np
import pytest

from benchlab.spaces.categorical import CategoricalSpace, Dimension
from benchlab.spaces.graph import GraphSpace
from benchlab.spaces.nb101 import NB101Space
from benchlab.spaces.nb201 import NB201Space

SPACES = {
    "categorical": lambda: CategoricalSpace([Dimension("a", (1, 2, 3)), Dimension("b", ("x", "y"), ordinal=True)] * 3),
    "nb201": NB201Space,
    "graph": GraphSpace,
    "nb101": NB101Space,
}


@pytest.fixture(params=sorted(SPACES))
def space(request):
    return SPACES[request.param]()


def test_children_are_valid_and_take_each_decision_from_a_parent(space):
    rng = np.random.default_rng(0)
    mixed = 0
    for _ in range(60):
        a, b = space.sample(rng), space.sample(rng)
        child = space.crossover(a, b, rng)
        space.validate(child)
        da, db, dc = space.to_decisions(a), space.to_decisions(b), space.to_decisions(child)
        if space.key(child) in (space.key(a), space.key(b)):
            continue
        assert ((dc == da) | (dc == db)).all(), "a child decision that neither parent has"
        mixed += 1
    assert mixed >= 20, "crossover almost never mixes its parents"


def test_a_space_whose_children_are_never_valid_returns_a_parent():
    space = NB101Space()
    rng = np.random.default_rng(4)
    a, b = space.sample(rng), space.sample(rng)

    class NoValidChild(NB101Space):
        def from_decisions(self, decisions):
            from benchlab.errors import InvalidArchitectureError

            raise InvalidArchitectureError("never")

    child = NoValidChild().crossover(a, b, rng)
    assert child is a or child is b
