"""The simulated clock: a monotone time and a heap of future events.

Events are keyed by (time, counter): the counter increases with every push, so events due
at the same simulated time come out first-in-first-out, and the order never depends on
comparing payloads (which may be arbitrary objects).
"""

from __future__ import annotations

import heapq
import itertools
from typing import Any


class ClockError(RuntimeError):
    """Time was asked to run backwards: a bug in the caller, not a user error."""


class SimClock:
    """Simulated seconds since the start of a run; only ever moves forward."""

    __slots__ = ("now",)

    def __init__(self, start: float = 0.0):
        self.now = float(start)

    def advance_to(self, time: float) -> None:
        if time < self.now:
            raise ClockError(f"simulated clock cannot go back from {self.now} to {time}")
        self.now = time


class EventQueue:
    """Future events ordered by time, ties broken first-in-first-out."""

    __slots__ = ("_heap", "_counter")

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Any]] = []
        self._counter = itertools.count()

    def push(self, time: float, payload: Any) -> None:
        heapq.heappush(self._heap, (time, next(self._counter), payload))

    def pop(self) -> tuple[float, Any]:
        """The earliest event as (time, payload); IndexError when empty."""
        time, _, payload = heapq.heappop(self._heap)
        return time, payload

    def __len__(self) -> int:
        return len(self._heap)

    def __bool__(self) -> bool:
        return bool(self._heap)
