"""Statistical acceptance of the predictor-based strategies on nb201/cifar10: 150 queries,
30 seeds each, paper defaults (BANANAS: 10 random cells, then rounds of 100 candidates,
10 evaluated per round, 5-network ensemble trained 150 epochs).

BANANAS and NPENAS must each reach a lower final validation regret than random search:
one-sided Mann-Whitney U, p-values Holm-corrected over the two comparisons, < 0.05.
Seeds run in two forked processes (each result depends only on its seed).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from algorithms import load_strategy
from benchlab.analysis.stats import holm
from benchlab.errors import UserError
from tests.algorithms.loop import run_loop

pytestmark = pytest.mark.slow

BENCHMARK = "nb201/cifar10"
QUERIES = 150
SEEDS = 30
ALPHA = 0.05
CHALLENGERS = ("bananas", "npenas")


def _final_regret(name: str, seed: int) -> float:
    from benchlab.benchmarks.registry import get_benchmark

    nb201 = get_benchmark(BENCHMARK)
    strategy_seed, bench_seed = np.random.SeedSequence(seed).spawn(2)
    strategy = load_strategy(name)(nb201.space, np.random.default_rng(strategy_seed))
    return run_loop(nb201, strategy, QUERIES, np.random.default_rng(bench_seed)).regret(nb201)


@pytest.fixture(scope="module")
def regrets():
    from benchlab.benchmarks.registry import get_benchmark

    try:
        get_benchmark(BENCHMARK)
    except (UserError, ImportError) as exc:
        pytest.skip(f"{BENCHMARK} unavailable: {exc}")
    names = ("rs", *CHALLENGERS)
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork")) as pool:
        jobs = [(name, seed) for name in names for seed in range(SEEDS)]
        values = list(pool.map(_final_regret, *zip(*jobs)))
    return {name: np.asarray(values[i * SEEDS : (i + 1) * SEEDS]) for i, name in enumerate(names)}


def test_bananas_and_npenas_beat_random_search(regrets):
    raw = [mannwhitneyu(regrets[name], regrets["rs"], alternative="less").pvalue for name in CHALLENGERS]
    adjusted = holm(raw)
    summary = ", ".join(
        f"{name}: median {np.median(regrets[name]):.4f} p_holm={p:.2g}" for name, p in zip(CHALLENGERS, adjusted)
    )
    assert np.all(adjusted < ALPHA), f"rs median {np.median(regrets['rs']):.4f}; {summary}"
