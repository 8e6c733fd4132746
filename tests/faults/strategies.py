"""Strategies that go wrong in one particular way each (importable by worker processes)."""

from __future__ import annotations

import os
import time

from algorithms.random_search import RandomSearch


class AsksNothing(RandomSearch):
    """ask() returns None from the start."""

    def _ask(self):
        return None


class RaisesInAsk(RandomSearch):
    def _ask(self):
        raise RuntimeError("the ask of this strategy is broken")


class RaisesInTell(RandomSearch):
    def _tell(self, arch, feedback):
        raise KeyError("tell lost its bookkeeping")


class RaisesInInit(RandomSearch):
    def __init__(self, space, rng):
        super().__init__(space, rng)
        raise RuntimeError("cannot start")


class ChecksItsSize(RandomSearch):
    """Validates its own hyperparameter, as a strategy constructor should."""

    def __init__(self, space, rng, *, size: int = 4, name: str = "x"):
        super().__init__(space, rng)
        if size < 1:
            raise ValueError(f"size must be at least 1, got {size}")
        self.size = size
        self.name = name


class ProposesNonsense(RandomSearch):
    """Proposes an architecture outside the space: a 100,000-character string."""

    def _ask(self):
        return "x" * 100_000


class ProposesUnhashable(RandomSearch):
    def _ask(self):
        return [list(super()._ask())]


class SlowAsk(RandomSearch):
    """Takes `delay` wall seconds per ask."""

    def __init__(self, space, rng, *, delay: float = 0.5):
        super().__init__(space, rng)
        self.delay = delay

    def _ask(self):
        time.sleep(self.delay)
        return super()._ask()


class StuckAsk(RandomSearch):
    """One ask that never returns (in wall-clock terms)."""

    def _ask(self):
        time.sleep(3600)


class WaitsForGate(RandomSearch):
    """Each ask waits until the file `gate` exists, so a test decides when the run may go on."""

    def __init__(self, space, rng, *, gate: str = ""):
        super().__init__(space, rng)
        self.gate = gate

    def _ask(self):
        deadline = time.monotonic() + 120
        while self.gate and not os.path.exists(self.gate) and time.monotonic() < deadline:
            time.sleep(0.02)
        return super()._ask()
