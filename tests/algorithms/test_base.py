"""The Strategy base class: what a subclass must provide."""

from __future__ import annotations

import numpy as np
import pytest

from algorithms.base import Strategy
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
