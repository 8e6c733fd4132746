"""Statistical acceptance on nb201/cifar10: 150 queries, 50 seeds per strategy.

Regularized evolution, BO and local search must reach a lower final validation regret
than random search (one-sided Mann-Whitney U, p < 0.01); REINFORCE must not be worse.
The incumbent is chosen by observed validation; regret uses its mean validation score.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from tests.acceptance import benchmark_or_skip, forked_pool, loop_regret, regrets_over_seeds

pytestmark = pytest.mark.slow

QUERIES = 150
SEEDS = 50
ALPHA = 0.01


@pytest.fixture(scope="module")
def regrets():
    """Final validation regret of every seed, per strategy (computed once for the module)."""
    benchmark_or_skip()
    cache: dict[str, np.ndarray] = {}
    with forked_pool() as pool:

        def get(name: str) -> np.ndarray:
            if name not in cache:
                cache.update(regrets_over_seeds(pool, partial(loop_regret, queries=QUERIES), [name], SEEDS))
            return cache[name]

        yield get


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
