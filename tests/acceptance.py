"""What the statistical acceptance tests share: their benchmark (or a skip where it is not
installed; other tests on a real benchmark use that too), a pool of two forked processes and
final regrets over seeds.

Seeds are independent, so they are spread over two processes, forked so that the table
loaded by `benchmark_or_skip` is shared; each result depends only on its seed.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

import numpy as np
import pytest

from algorithms import load_strategy
from benchlab.errors import UserError
from benchlab.testing.loop import run_loop

BENCHMARK = "nb201/cifar10"


def benchmark_or_skip(name: str = BENCHMARK):
    """The benchmark, loaded in this process (forked workers share it); skips the test without it."""
    from benchlab.benchmarks.registry import get_benchmark

    try:
        return get_benchmark(name)
    except (UserError, ImportError) as exc:
        pytest.skip(f"{name} unavailable: {exc}")


@contextmanager
def forked_pool() -> Iterator[ProcessPoolExecutor]:
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork")) as pool:
        yield pool


def loop_regret(name: str, seed: int, queries: int) -> float:
    """Final validation regret of strategy `name` after `queries` evaluations of the test loop
    on `BENCHMARK`, the seed split into a strategy stream and a benchmark stream."""
    from benchlab.benchmarks.registry import get_benchmark

    bench = get_benchmark(BENCHMARK)
    strategy_seed, bench_seed = np.random.SeedSequence(seed).spawn(2)
    strategy = load_strategy(name)(bench.space, np.random.default_rng(strategy_seed))
    return run_loop(bench, strategy, queries, np.random.default_rng(bench_seed)).regret(bench)


def regrets_over_seeds(pool: ProcessPoolExecutor, regret: Callable[[str, int], float], names, seeds: int
                       ) -> dict[str, np.ndarray]:
    """name -> `regret(name, seed)` for seeds 0 .. seeds - 1 (`regret` a module-level function
    or a partial of one, so that the pool can send it)."""
    jobs = [(name, seed) for name in names for seed in range(seeds)]
    values = list(pool.map(regret, *zip(*jobs)))
    return {name: np.asarray(values[i * seeds : (i + 1) * seeds]) for i, name in enumerate(names)}
