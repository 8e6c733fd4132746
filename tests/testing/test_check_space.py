"""check_space: a conforming space passes; each broken rule fails with a message naming it."""

from __future__ import annotations

import numpy as np
import pytest

from benchlab.errors import InvalidArchitectureError
from benchlab.spaces.categorical import CategoricalSpace, Dimension
from benchlab.testing import check_space
from tests.testing.helpers import assert_fails


class Grid(CategoricalSpace):
    def __init__(self):
        super().__init__([Dimension(f"x{i}", tuple(range(4))) for i in range(3)], name="grid")


def fails(space, *needles):
    assert_fails(check_space, space, "docs/adding-a-search-space.md", "space ", *needles)


def test_a_conforming_space_passes():
    check_space(Grid())


def test_not_a_search_space():
    fails(object(), "subclass benchlab.spaces.base.SearchSpace")


class Unseeded(Grid):
    def sample(self, rng):
        return super().sample(np.random.default_rng())


class GlobalRandom(Grid):
    def sample(self, rng):
        np.random.random()
        return super().sample(rng)


class IntKeys(Grid):
    def key(self, arch):
        return hash(arch)


class MutateKeepsParent(Grid):
    def mutate(self, arch, rng):
        return arch


class MutateManyKeepsParents(Grid):
    def mutate_many(self, archs, rng):
        return list(archs)


class SampleManyShort(Grid):
    def sample_many(self, n, rng):
        return super().sample_many(n, rng)[:-1]


class NeighboursWithParent(Grid):
    def neighbours(self, arch):
        return super().neighbours(arch) + [arch]


class NeighboursTwice(Grid):
    def neighbours(self, arch):
        found = super().neighbours(arch)
        return found + found[:1]


class CrossoverInvents(Grid):
    def crossover(self, a, b, rng):
        return self.mutate(self.mutate(a, rng), rng)


class ShortEncoding(Grid):
    def encode(self, arch):
        return super().encode(arch)[:-1]


class EncodeManyDiffers(Grid):
    def encode_many(self, archs):
        return np.zeros((len(archs), self.encoding_size))


class DecisionsOutOfRange(Grid):
    def to_decisions(self, arch):
        return np.asarray(super().to_decisions(arch)) + 4


class AcceptsAnyDecisions(Grid):
    def from_decisions(self, decisions):
        return tuple(int(d) % 4 for d in decisions)


class ParseRaisesValueError(Grid):
    def parse(self, text):
        if not text or " " in text:
            raise ValueError("bad")
        return super().parse(text)


class ParseLoses(Grid):
    def parse(self, text):
        super().parse(text)
        return (0, 0, 0)


class ParseAcceptsGarbage(Grid):
    def parse(self, text):
        try:
            return super().parse(text)
        except InvalidArchitectureError:
            return (0, 0, 0)


BROKEN = [
    (Unseeded, "equally seeded generators returned different"),
    (GlobalRandom, "global random state"),
    (IntKeys, "key() returned int"),
    (MutateKeepsParent, "with the parent's key"),
    (MutateManyKeepsParents, "mutate_many() turned"),
    (SampleManyShort, "did not return a list of 30"),
    (NeighboursWithParent, "includes the parent itself"),
    (NeighboursTwice, "lists one network twice"),
    (CrossoverInvents, "a decision neither parent has"),
    (ShortEncoding, "not (encoding_size,) = (12,)"),
    (EncodeManyDiffers, "encode_many() does not stack encode()"),
    (DecisionsOutOfRange, "outside decision_sizes"),
    (AcceptsAnyDecisions, "decisions outside decision_sizes, accepted it"),
    (ParseRaisesValueError, "raised ValueError; raise InvalidArchitectureError"),
    (ParseLoses, "parse(format(a)) is another network"),
    (ParseAcceptsGarbage, "text that is no architecture accepted it"),
]


@pytest.mark.parametrize("cls, needle", BROKEN, ids=[c.__name__ for c, _ in BROKEN])
def test_each_broken_rule_is_named(cls, needle):
    fails(cls(), cls.__name__, needle)
