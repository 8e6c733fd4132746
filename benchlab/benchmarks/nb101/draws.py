"""Drawing a uniform repeat index, `int(rng.random() * n)`, for every query.

`rng.integers(n)` costs about three times as much as `rng.random()`, and `Generator.random`
itself is most of a cached query's cost: for the bit generators whose `random()` is
(next 64-bit draw >> 11) / 2**53, `RawDraw` computes the same number from the raw 64-bit
draw, skipping the Generator's call overhead. The figure with and without it is in
`make bench` (test_nb101_query_perf.py, `test_query_speed_evolution_workload`,
`plain_draw`); the same draws come out either way (tests/benchmarks/test_nb101.py).
"""

from __future__ import annotations

import numpy as np

# bit generators whose random() is (next 64-bit draw >> 11) / 2**53 (not MT19937: 32-bit draws)
_DOUBLE_FROM_RAW = (np.random.PCG64, np.random.PCG64DXSM, np.random.Philox, np.random.SFC64)


def plain_draw(rng: np.random.Generator, n: int) -> int:
    return int(rng.random() * n)


class RawDraw:
    """`plain_draw`'s number, from the raw draw of the last 64-bit generator it was handed."""

    __slots__ = ("_rng", "_raw")

    def __init__(self):
        self._rng = self._raw = None

    def __call__(self, rng: np.random.Generator, n: int) -> int:
        if rng is not self._rng:
            if not isinstance(rng.bit_generator, _DOUBLE_FROM_RAW):
                return int(rng.random() * n)
            self._rng, self._raw = rng, rng.bit_generator.random_raw
        return ((self._raw() >> 11) * n) >> 53
