"""Ranks of strategies across benchmarks: average rank over time, Friedman test, CD diagram.

Blocks are benchmarks: on each benchmark the strategies are ranked by their median regret over
seeds (1 = best, ties share the average rank), and ranks are averaged over benchmarks. The
Friedman test and the Nemenyi critical difference come from scipy and autorank.
"""

from __future__ import annotations

import contextlib
import io
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

AUTORANK_MIN_BLOCKS = 5  # autorank refuses fewer rows


def rank_rows(scores: np.ndarray) -> np.ndarray:
    """Ranks within each row of a (blocks, strategies[, points]) array, lower score = rank 1."""
    return stats.rankdata(scores, axis=1, method="average")


def average_rank(medians: np.ndarray) -> np.ndarray:
    """(benchmarks, strategies, points) median regrets -> (strategies, points) average rank."""
    return rank_rows(medians).mean(axis=0)


@dataclass(frozen=True)
class FriedmanResult:
    statistic: float
    p_value: float
    blocks: int
    note: str = ""


def friedman(table: pd.DataFrame) -> FriedmanResult:
    """Friedman test over a (blocks x strategies) table of regrets (scipy.stats.friedmanchisquare)."""
    blocks, k = table.shape
    if k < 3 or blocks < 2:
        return FriedmanResult(math.nan, math.nan, blocks, "needs at least 3 strategies and 2 benchmarks")
    if np.all(table.to_numpy() == table.to_numpy()[:, :1]):
        return FriedmanResult(0.0, 1.0, blocks, "all strategies tie on every benchmark")
    result = stats.friedmanchisquare(*(table[c].to_numpy() for c in table.columns))
    return FriedmanResult(float(result.statistic), float(result.pvalue), blocks)


def critical_difference(table: pd.DataFrame, *, alpha: float = 0.05):
    """autorank's non-parametric analysis (Friedman + Nemenyi) of a (blocks x strategies) table.

    Returns the autorank result, or None where autorank cannot run (fewer than five blocks or two
    strategies). Regret is lower-is-better, hence order="ascending".
    """
    if table.shape[0] < AUTORANK_MIN_BLOCKS or table.shape[1] < 2:
        return None
    from autorank import autorank

    with contextlib.redirect_stdout(io.StringIO()):  # autorank prints warnings about data
        return autorank(table, alpha=alpha, order="ascending", force_mode="nonparametric")


def plot_critical_difference(result, ax) -> None:
    """Draw autorank's CD diagram on `ax` (also when the omnibus test finds no difference)."""
    from autorank import plot_stats

    with contextlib.redirect_stdout(io.StringIO()):
        plot_stats(result, allow_insignificant=True, ax=ax)
