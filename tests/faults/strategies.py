"""Strategies that go wrong in one particular way each (importable by worker processes)."""

from __future__ import annotations

import os
import time

from algorithms.hyperparameters import Interval
from algorithms.random_search import RandomSearch


class AsksNothing(RandomSearch):
    """ask() returns None from the start."""

    def _ask(self):
        return None


class RaisesInAsk(RandomSearch):
    def _ask(self):
        raise RuntimeError("the ask of this strategy is broken")


class FailsLate(RandomSearch):
    """Raises in its `after`-th ask: later than any short conformance check looks."""

    hyperparameter_constraints = {"after": Interval(int, 1), "dedupe": bool}

    def __init__(self, space, rng, *, after: int = 100, dedupe: bool = False):
        super().__init__(space, rng, dedupe=dedupe)
        self.after = after
        self._asks = 0

    def _ask(self):
        self._asks += 1
        if self._asks >= self.after:
            raise RuntimeError(f"ask number {self._asks} is broken")
        return super()._ask()


class RaisesInTell(RandomSearch):
    def _tell(self, arch, feedback):
        raise KeyError("tell lost its bookkeeping")


class RaisesInInit(RandomSearch):
    def __init__(self, space, rng):
        super().__init__(space, rng)
        raise RuntimeError("cannot start")


class ChecksItsSize(RandomSearch):
    """Validates its own hyperparameter, as a strategy constructor should (its declared constraint
    names only the type, so the constructor's check is what rejects 0)."""

    hyperparameter_constraints = {"size": int, "name": str, "dedupe": bool}

    def __init__(self, space, rng, *, size: int = 4, name: str = "x", dedupe: bool = False):
        super().__init__(space, rng, dedupe=dedupe)
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
