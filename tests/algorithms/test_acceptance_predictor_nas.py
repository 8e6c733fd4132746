"""Statistical acceptance of the predictor-based strategies on nb201/cifar10: 150 queries,
30 seeds each, paper defaults (BANANAS: 10 random cells, then rounds of 100 candidates,
10 evaluated per round, 5-network ensemble trained 150 epochs).

BANANAS and NPENAS must each reach a lower final validation regret than random search:
one-sided Mann-Whitney U, p-values Holm-corrected over the two comparisons, < 0.05.
Seeds run in two forked processes (each result depends only on its seed).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from benchlab.analysis.stats import holm
from tests.acceptance import benchmark_or_skip, forked_pool, loop_regret, regrets_over_seeds

pytestmark = pytest.mark.slow

QUERIES = 150
SEEDS = 30
ALPHA = 0.05
CHALLENGERS = ("bananas", "npenas")


@pytest.fixture(scope="module")
def regrets():
    benchmark_or_skip()
    with forked_pool() as pool:
        return regrets_over_seeds(pool, partial(loop_regret, queries=QUERIES), ("rs", *CHALLENGERS), SEEDS)


def test_bananas_and_npenas_beat_random_search(regrets):
    raw = [mannwhitneyu(regrets[name], regrets["rs"], alternative="less").pvalue for name in CHALLENGERS]
    adjusted = holm(raw)
    summary = ", ".join(
        f"{name}: median {np.median(regrets[name]):.4f} p_holm={p:.2g}" for name, p in zip(CHALLENGERS, adjusted)
    )
    assert np.all(adjusted < ALPHA), f"rs median {np.median(regrets['rs']):.4f}; {summary}"
