"""Per-run random streams that depend only on what the run is, never on when or where it runs.

Each run's `numpy.random.SeedSequence` is built from (experiment seed, stable hash of the
benchmark name, stable hash of the strategy label, repeat index) and spawned into two
independent streams: one for the strategy, one for the benchmark's repeat sampling.
CRC-32 is used as the stable hash because Python's `hash()` of a string changes between
processes.
"""

from __future__ import annotations

import zlib

import numpy as np


def stable_hash(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def run_seed_sequence(experiment_seed: int, benchmark: str, strategy_label: str, repeat: int) -> np.random.SeedSequence:
    return np.random.SeedSequence([experiment_seed, stable_hash(benchmark), stable_hash(strategy_label), repeat])


def run_generators(
    experiment_seed: int, benchmark: str, strategy_label: str, repeat: int
) -> tuple[np.random.Generator, np.random.Generator]:
    """(strategy rng, benchmark rng) of one run."""
    strategy_ss, benchmark_ss = run_seed_sequence(experiment_seed, benchmark, strategy_label, repeat).spawn(2)
    return np.random.default_rng(strategy_ss), np.random.default_rng(benchmark_ss)
