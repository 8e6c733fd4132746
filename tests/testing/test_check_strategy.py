"""check_strategy: a conforming class passes; each broken rule fails with a message naming it."""

from __future__ import annotations

import time

import numpy as np

from algorithms.base import Strategy
from algorithms.hyperparameters import Interval
from algorithms.random_search import RandomSearch
from benchlab.testing import check_strategy, make_toy_space
from tests.testing.helpers import assert_fails


def fails(cls, *needles):
    return assert_fails(check_strategy, cls, "docs/adding-a-strategy.md", *needles)


class Sampler(Strategy):
    """The smallest conforming strategy."""

    def _ask(self):
        return self.space.sample(self.rng)

    def _tell(self, arch, feedback):
        pass


def test_a_conforming_strategy_passes():
    check_strategy(Sampler)


def test_an_instance_or_a_class_without_ask_and_tell():
    fails(Sampler(make_toy_space(), np.random.default_rng(0)), "takes the strategy class")

    class NotAStrategy:
        def __init__(self, space, rng):
            pass

    fails(NotAStrategy, "NotAStrategy", "ask() and tell()")


def test_hyperparameters_need_defaults_names_and_attributes():
    class NoDefault(Sampler):
        hyperparameter_constraints = {"steps": Interval(int, 1)}

        def __init__(self, space, rng, *, steps, dedupe=False):
            super().__init__(space, rng, dedupe=dedupe)

    class Catchall(Sampler):
        def __init__(self, space, rng, **options):
            super().__init__(space, rng)

    class Forgets(Sampler):
        hyperparameter_constraints = {"steps": Interval(int, 1)}

        def __init__(self, space, rng, *, steps=3, dedupe=False):
            super().__init__(space, rng, dedupe=dedupe)

    fails(NoDefault, "'steps' has no default")
    fails(Catchall, "**options")
    fails(Forgets, "'steps' is not kept as an attribute")


def test_constraints_cover_every_hyperparameter_and_admit_the_defaults():
    class Undeclared(Sampler):
        def __init__(self, space, rng, *, steps=3, dedupe=False):
            super().__init__(space, rng, dedupe=dedupe)
            self.steps = steps

    class BadDefault(Undeclared):
        hyperparameter_constraints = {"steps": Interval(int, 5)}

    class Stale(Sampler):
        hyperparameter_constraints = {"population": Interval(int, 1)}

    fails(Undeclared, "'steps' has no declared constraint")
    fails(BadDefault, "default of 'steps', 3, is not an integer >= 5")
    fails(Stale, "declares 'population', which __init__ does not take")


def test_proposals_outside_the_space():
    class OffGrid(Sampler):
        def _ask(self):
            return (9, 9, 9, 9)

    fails(OffGrid, "ask() proposed (9, 9, 9, 9)")


def test_randomness_only_from_the_given_rng():
    class GlobalRandom(Sampler):
        def _ask(self):
            np.random.random()
            return super()._ask()

    class Unseeded(Sampler):
        def __init__(self, space, rng, *, dedupe=False):
            super().__init__(space, np.random.default_rng(time.perf_counter_ns()), dedupe=dedupe)

    class IgnoresTheSeed(Sampler):
        def _ask(self):
            return self.space.sample(np.random.default_rng(0))

    fails(GlobalRandom, "global random state")
    fails(Unseeded, "same seed proposed different architectures")
    fails(IgnoresTheSeed, "seeds 3 and 4 proposed the same architectures")


def test_tells_in_any_order_and_without_an_ask():
    class InOrderOnly(Sampler):
        def __init__(self, space, rng, *, dedupe=False):
            super().__init__(space, rng, dedupe=dedupe)
            self.asked = []

        def _ask(self):
            self.asked.append(super()._ask())
            return self.asked[-1]

        def _tell(self, arch, feedback):
            assert self.asked.pop(0) == arch, "results must come back in order"

    class NoWarmStart(Sampler):
        def __init__(self, space, rng, *, dedupe=False):
            super().__init__(space, rng, dedupe=dedupe)
            self.pending = set()

        def _ask(self):
            arch = super()._ask()
            self.pending.add(arch)
            return arch

        def _tell(self, arch, feedback):
            self.pending.remove(arch)

    fails(InOrderOnly, "tell() raised AssertionError: results must come back in order")
    fails(NoWarmStart, "tell() of an architecture it never proposed", "KeyError")


def test_dedupe_that_is_bypassed():
    class OwnAsk(RandomSearch):
        def ask(self):
            return self.space.sample(self.rng)

    fails(OwnAsk, "dedupe=True an architecture was proposed twice")


def test_a_constructor_that_raises():
    class Broken(Sampler):
        def __init__(self, space, rng, *, dedupe=False):
            raise RuntimeError("cannot start")

    fails(Broken, "Broken(space, rng) raised RuntimeError: cannot start")
