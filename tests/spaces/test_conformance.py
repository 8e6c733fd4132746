"""Every built-in search space keeps the SearchSpace contract (the conformance kit's check_space)."""

from __future__ import annotations

import pytest

from benchlab.spaces.categorical import CategoricalSpace, Dimension
from benchlab.spaces.graph import PROTEINS_OPS, GraphSpace
from benchlab.spaces.nb101 import NB101Space
from benchlab.spaces.nb201 import NB201Space
from benchlab.testing import check_space, make_toy_space

SPACES = {
    "categorical": lambda: CategoricalSpace([Dimension("a", (1, 2, 3)), Dimension("b", ("x", "y"), ordinal=True)] * 3),
    "toy": make_toy_space,
    "nb201": NB201Space,
    "graph": GraphSpace,
    "graph-proteins": lambda: GraphSpace(PROTEINS_OPS),
    "nb101": NB101Space,
    "nb101-5v": lambda: NB101Space(max_vertices=5, max_edges=6),
}


@pytest.mark.parametrize("name", sorted(SPACES))
def test_every_built_in_space_passes_the_conformance_kit(name):
    check_space(SPACES[name]())
