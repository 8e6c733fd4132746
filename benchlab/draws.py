"""Uniform integer draws from a `numpy.random.Generator` at a fraction of `Generator.integers`' cost.

`rng.integers(n)` costs ~1.8 us and `rng.random()` ~0.5 us, most of it argument handling;
lookups and space moves need one small uniform index per call, millions of times a run.
For the 64-bit bit generators numpy builds `rng.random()` from one raw draw as
``(raw >> 11) * 2**-53``, so ``((raw >> 11) * n) >> 53`` is the same number as
``int(rng.random() * n)`` in exact integer arithmetic (uniform over range(n), bias below
n / 2**53) at a third of the call's cost. Written by hand: numpy offers no cheaper scalar draw.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: bit generators whose `random()` is `(next_uint64 >> 11) * 2**-53` (MT19937 builds it from two 32-bit draws)
DOUBLE_FROM_RAW = (np.random.PCG64, np.random.PCG64DXSM, np.random.Philox, np.random.SFC64)
#: largest n an index draw serves exactly enough: bias n / 2**53 stays below 2**-21
MAX_INDEX = 2**32


def raw_source(rng: np.random.Generator) -> Callable[[], int] | None:
    """`rng`'s raw 64-bit draw when `index_from_raw` reproduces `int(rng.random() * n)` from it, else None."""
    bits = rng.bit_generator
    return bits.random_raw if isinstance(bits, DOUBLE_FROM_RAW) else None


def index_from_raw(raw: int, n: int) -> int:
    """A uniform index in range(n) from one raw 64-bit draw (= int(random() * n) of that draw)."""
    return ((raw >> 11) * n) >> 53


def uniform_index(rng: np.random.Generator, n: int) -> int:
    """A uniform index in range(n), n <= MAX_INDEX: `int(rng.random() * n)`, from the raw draw where it can."""
    raw = raw_source(rng)
    if raw is None:
        return int(rng.random() * n)
    return ((raw() >> 11) * n) >> 53
