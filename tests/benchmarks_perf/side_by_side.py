"""Timing two implementations side by side in one process, alternating round by round.

pytest-benchmark times ours; the peer is timed in the round's setup, just before, so both
see the same machine state, and the figure kept is the ratio of the two minima (the least
disturbed round of each).
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Peer:
    """A callable timed on each call; `best` is its fastest run."""

    def __init__(self, run: Callable[[], object], timer: Callable[[], float] = time.perf_counter):
        self._run, self._timer = run, timer  # the timer ours is measured with
        self.times: list[float] = []

    def setup(self):
        started = self._timer()
        self._run()
        self.times.append(self._timer() - started)
        return (), {}

    @property
    def best(self) -> float:
        return min(self.times)


def ratio_against(benchmark, ours: Callable[[], object], peer: Callable[[], object], rounds: int) -> float:
    """min(ours) / min(peer) over `rounds` alternating rounds; both figures go in extra_info."""
    timed_peer = Peer(peer)
    benchmark.pedantic(ours, setup=timed_peer.setup, rounds=rounds, iterations=1)
    ratio = benchmark.stats.stats.min / timed_peer.best
    benchmark.extra_info["peer_min_s"] = timed_peer.best
    benchmark.extra_info["ratio"] = round(ratio, 3)
    return ratio
