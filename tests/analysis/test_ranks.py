import numpy as np
import pandas as pd

from benchlab.analysis import ranks


def test_average_rank_with_ties():
    medians = np.array([[[0.1], [0.2], [0.2]], [[0.3], [0.1], [0.2]]])  # 2 benchmarks, 3 strategies, 1 point
    np.testing.assert_allclose(ranks.average_rank(medians)[:, 0], [(1 + 3) / 2, (2.5 + 1) / 2, (2.5 + 2) / 2])


def test_friedman_detects_a_consistent_winner():
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"best": rng.uniform(0, 0.01, 8), "mid": rng.uniform(0.02, 0.03, 8), "worst": rng.uniform(0.05, 0.06, 8)})
    result = ranks.friedman(table)
    assert result.p_value < 0.01 and result.blocks == 8
    assert ranks.friedman(table[["best", "mid"]]).note  # needs three strategies
    tie = ranks.friedman(pd.DataFrame({"a": [0.0] * 3, "b": [0.0] * 3, "c": [0.0] * 3}))
    assert tie.p_value == 1.0


def test_critical_difference_uses_autorank_and_needs_five_blocks():
    rng = np.random.default_rng(1)
    table = pd.DataFrame({"a": rng.uniform(0, 0.01, 6), "b": rng.uniform(0.02, 0.03, 6), "c": rng.uniform(0.05, 0.06, 6)})
    result = ranks.critical_difference(table)
    assert result is not None and result.cd is not None and result.cd > 0
    assert list(result.rankdf.index)[0] == "a"  # ascending: lowest regret ranks first
    assert ranks.critical_difference(table.iloc[:4]) is None
