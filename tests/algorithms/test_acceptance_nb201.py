"""Statistical acceptance on nb201/cifar10: 150 queries, 50 seeds per strategy.

Regularized evolution, BO and local search must reach a lower final validation regret
than random search (one-sided Mann-Whitney U, p < 0.01); REINFORCE must not be worse.
The incumbent is chosen by observed validation; regret uses its mean validation score.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from algorithms import load_strategy
from benchlab.errors import UserError
from tests.algorithms.loop import run_loop

pytestmark = pytest.mark.slow

BENCHMARK = "nb201/cifar10"
QUERIES = 150
SEEDS = 50
ALPHA = 0.01


@pytest.fixture(scope="module")
def nb201():
    from benchlab.benchmarks.registry import get_benchmark

    try:
        return get_benchmark(BENCHMARK)
    except (UserError, ImportError) as exc:
        pytest.skip(f"{BENCHMARK} unavailable: {exc}")


@pytest.fixture(scope="module")
def regrets(nb201):
    """Final validation regret of every seed, per strategy (computed once for the module)."""
    cache: dict[str, np.ndarray] = {}
    # seeds are independent: spread them over two processes (forked, so the table loaded
    # above is shared); each result depends only on its seed
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:

        def get(name: str) -> np.ndarray:
            if name not in cache:
                cache[name] = np.asarray(list(pool.map(_final_regret, [name] * SEEDS, range(SEEDS))))
            return cache[name]

        yield get


def _final_regret(name: str, seed: int) -> float:
    from benchlab.benchmarks.registry import get_benchmark

    nb201 = get_benchmark(BENCHMARK)
    strategy_seed, bench_seed = np.random.SeedSequence(seed).spawn(2)
    strategy = load_strategy(name)(nb201.space, np.random.default_rng(strategy_seed))
    return run_loop(nb201, strategy, QUERIES, np.random.default_rng(bench_seed)).regret(nb201)


@pytest.mark.parametrize("name", ["re", "bo", "ls"])
def test_beats_random_search(regrets, name):
    p = mannwhitneyu(regrets(name), regrets("rs"), alternative="less").pvalue
    assert p < ALPHA, f"{name}: median regret {np.median(regrets(name)):.4f} vs rs {np.median(regrets('rs')):.4f}, p={p:.3g}"


def test_reinforce_is_not_worse_than_random_search(regrets):
    p = mannwhitneyu(regrets("reinforce"), regrets("rs"), alternative="greater").pvalue
    assert p >= ALPHA, f"reinforce worse than rs (p={p:.3g})"


def test_regrets_are_fractions(regrets):
    for name in ("rs", "re"):
        assert np.all((regrets(name) >= 0) & (regrets(name) <= 1))
