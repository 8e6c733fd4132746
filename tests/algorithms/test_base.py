"""The Strategy base class: what a subclass must provide."""

from __future__ import annotations

import numpy as np
import pytest

from algorithms.base import ExcludesPending, Feedback, PendingKeys, Strategy
from tests.toy import make_toy_space


def test_a_strategy_without_ask_or_tell_cannot_be_built():
    class OnlyAsks(Strategy):
        def _ask(self):
            return self.space.sample(self.rng)

    with pytest.raises(TypeError, match="_tell"):
        OnlyAsks(make_toy_space(), np.random.default_rng(0))


def test_none_from_ask_means_done_also_with_dedupe():
    class Done(Strategy):
        def _ask(self):
            return None

        def _tell(self, arch, feedback):
            pass

    assert Done(make_toy_space(), np.random.default_rng(0), dedupe=True).ask() is None


def test_excludes_pending_never_proposes_a_pending_architecture_until_told_or_discarded():
    class FirstSample(ExcludesPending, Strategy):
        def __init__(self, space, rng):
            super().__init__(space, rng, dedupe=False)
            self._pending = PendingKeys()

        def _propose(self):
            return self._random_unexcluded()

        def _tell(self, arch, feedback):
            self._pending.release(self.key_of(arch))

    strategy = FirstSample(make_toy_space(), np.random.default_rng(0))
    first = strategy.ask()
    assert strategy._excluded(strategy.key_of(first))
    strategy._discard(first)
    assert not strategy._excluded(strategy.key_of(first))
    asked = [strategy.ask() for _ in range(20)]
    assert len({strategy.key_of(arch) for arch in asked}) == 20  # distinct while pending
    strategy.tell(asked[0], Feedback(valid=1.0, cost=1.0))
    assert not strategy._excluded(strategy.key_of(asked[0]))
