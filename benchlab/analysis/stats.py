"""Statistics over arrays of results: pure functions, no I/O, no plotting.

Regrets are "lower is better" throughout. scipy.stats supplies every test and the ordinary
bootstrap; what no maintained package provides in a light form is written here and says so
(Holm's step-down adjustment, the stratified bootstrap of Agarwal et al. 2021, COCO's ERT).
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from scipy import stats

# scipy >= 1.15 calls the generator argument `rng`; older releases call it `random_state`.
_BOOTSTRAP_RNG = "rng" if "rng" in inspect.signature(stats.bootstrap).parameters else "random_state"

def rng_for(seed: int, *names) -> np.random.Generator:
    """A bootstrap stream that depends on what is resampled (its names), never on its position in a list,
    so that listing benchmarks or strategies in another order leaves every interval as it was."""
    from benchlab.harness.seeding import stable_hash

    return np.random.default_rng([seed, *(stable_hash(str(name)) for name in names)])


SUCCESS_EPSILON = 1e-9  # a run "reached the optimum" when its regret is at most this
CONFIDENCE = 0.95


def iqm(values, axis=-1):
    """Interquartile mean: the mean of the middle 50% (robust like the median, efficient like the mean)."""
    return stats.trim_mean(np.asarray(values, dtype=float), 0.25, axis=axis)


def bootstrap_ci(values, statistic=np.mean, *, confidence=CONFIDENCE, n_resamples=2000, rng=None) -> tuple[float, float]:
    """Two-sided bootstrap interval (BCa, scipy.stats.bootstrap) of `statistic` over a 1-D sample.

    `statistic(x, axis=...)` must be vectorised. A constant sample has the point interval; a
    sample where BCa is undefined (e.g. degenerate jackknife) falls back to the percentile method.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return (math.nan, math.nan)
    if x.size == 1 or np.ptp(x) == 0:
        value = float(statistic(x, axis=-1))
        return (value, value)
    rng = np.random.default_rng(0) if rng is None else rng
    for method in ("BCa", "percentile"):
        with np.errstate(all="ignore"):
            result = stats.bootstrap(
                (x,), statistic, confidence_level=confidence, n_resamples=n_resamples,
                method=method, vectorized=True, **{_BOOTSTRAP_RNG: rng},
            )
        low, high = result.confidence_interval
        if np.isfinite(low) and np.isfinite(high):
            return (float(low), float(high))
    return (math.nan, math.nan)


def stratified_bootstrap(tasks, statistic=iqm, *, confidence=CONFIDENCE, n_resamples=2000, rng=None):
    """Point estimate and percentile interval of an aggregate over tasks, resampling runs within each task.

    `tasks` is a list of arrays, one per task (benchmark), each (runs,) or (runs, points); the
    aggregate is `statistic` over all runs of all tasks pooled. This is the stratified bootstrap of
    Agarwal et al. (2021), "Deep RL at the edge of the statistical precipice": each task keeps its
    number of runs in every resample, so no task can vanish from a resample. Written by hand because
    `rliable`, which implements it, pins heavy dependencies (arch, seaborn) for a dozen lines.
    Returns (estimate, low, high), each a float or an array over points.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    arrays = [np.asarray(t, dtype=float) for t in tasks]
    squeeze = arrays[0].ndim == 1
    arrays = [a[:, None] if a.ndim == 1 else a for a in arrays]
    pooled = np.concatenate(arrays, axis=0)  # (all runs, points)
    estimate = statistic(pooled, axis=0)
    resampled = np.concatenate(
        [a[rng.integers(0, len(a), size=(n_resamples, len(a)))] for a in arrays], axis=1
    )  # (resamples, all runs, points)
    replicates = statistic(resampled, axis=1)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(replicates, [tail, 100 - tail], axis=0)
    if squeeze:
        return float(estimate[0]), float(low[0]), float(high[0])
    return estimate, low, high


def holm(pvalues) -> np.ndarray:
    """Holm's step-down adjusted p-values (controls the family-wise error rate).

    A few lines by hand rather than a statsmodels dependency: sort ascending, multiply the i-th
    smallest by (m - i), enforce monotonicity with a running maximum, cap at 1.
    """
    p = np.asarray(pvalues, dtype=float)
    m = p.size
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    adjusted = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adjusted
    return out


def mann_whitney_p(x, y) -> float:
    """Two-sided Mann-Whitney U p-value (scipy); 1.0 when both samples are one identical constant."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if np.ptp(np.concatenate([x, y])) == 0:
        return 1.0  # no information to tell them apart; scipy would return NaN
    return float(stats.mannwhitneyu(x, y, alternative="two-sided").pvalue)


def a12(x, y) -> float:
    """Vargha-Delaney A12 = P(X > Y) + P(X = Y)/2 over independent draws, from the U statistic."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    u = stats.mannwhitneyu(x, y, alternative="two-sided").statistic  # U of x: #(x > y) + ties/2
    return float(u / (len(x) * len(y)))


def prob_beats(regret_a, regret_b) -> float:
    """Probability that a run of A ends with lower regret than a run of B (ties count half)."""
    return a12(regret_b, regret_a)


def a12_magnitude(a: float) -> str:
    """Vargha & Delaney (2000) thresholds on |A12 - 0.5|: negligible, small, medium, large."""
    d = abs(a - 0.5)
    if d < 0.06:
        return "negligible"
    if d < 0.14:
        return "small"
    if d < 0.21:
        return "medium"
    return "large"


def success_rate(final_regrets, epsilon: float = SUCCESS_EPSILON) -> float:
    """Fraction of runs whose final regret is at most `epsilon` (reached the optimum)."""
    r = np.asarray(final_regrets, dtype=float)
    return float(np.mean(r <= epsilon)) if r.size else math.nan


def ert(spent_until_hit, spent_total, hit) -> float:
    """COCO's expected running time: total effort of all runs divided by the number of successes.

    Each run contributes what it spent until it first reached the target if it did, else
    everything it spent up to the end of its budget; inf when no run succeeded (Hansen et al.,
    COCO). Effort is evaluations or simulated seconds. Hand-written: no package computes it.
    """
    hit = np.asarray(hit, dtype=bool)
    spent = np.where(hit, np.asarray(spent_until_hit, dtype=float), np.asarray(spent_total, dtype=float))
    successes = int(hit.sum())
    return float(spent.sum() / successes) if successes else math.inf


def first_hit(regret, target: float) -> int | None:
    """Index of the first evaluation whose incumbent regret is <= target, or None."""
    hits = np.flatnonzero(np.asarray(regret, dtype=float) <= target)
    return int(hits[0]) if hits.size else None


def summarise(values, *, rng=None, epsilon: float = SUCCESS_EPSILON) -> dict:
    """n, mean, median, IQM, std, 95% bootstrap interval of the mean, success rate of a 1-D sample."""
    x = np.asarray(values, dtype=float)
    low, high = bootstrap_ci(x, np.mean, rng=rng)
    return {
        "n": int(x.size),
        "mean": float(np.mean(x)),
        "median": float(np.median(x)),
        "iqm": float(iqm(x)),
        "std": float(np.std(x, ddof=1)) if x.size > 1 else 0.0,
        "ci_low": low,
        "ci_high": high,
        "success_rate": success_rate(x, epsilon),
    }


@dataclass(frozen=True)
class Comparison:
    """A versus B on one benchmark: the test, the correction and the effect size."""

    a: str
    b: str
    p_value: float
    p_holm: float
    prob_a_beats_b: float  # Vargha-Delaney A12 oriented so that > 0.5 favours A (lower regret)
    magnitude: str
    verdict: str  # "better", "worse" or "not distinguishable" (A relative to B)


def verdict(p_adjusted: float, prob_a_beats_b: float, alpha: float) -> str:
    if p_adjusted < alpha and prob_a_beats_b != 0.5:
        return "better" if prob_a_beats_b > 0.5 else "worse"
    return "not distinguishable"


def compare_pairs(final: dict[str, np.ndarray], pairs=None, *, alpha: float = 0.05) -> list[Comparison]:
    """Mann-Whitney U for each pair of strategies' final regrets, Holm-corrected over the pairs given.

    `pairs` defaults to all unordered pairs; the Holm family is exactly the list compared.
    """
    pairs = list(combinations(final, 2)) if pairs is None else list(pairs)
    raw = [mann_whitney_p(final[a], final[b]) for a, b in pairs]
    adjusted = holm(raw)
    out = []
    for (a, b), p, p_adj in zip(pairs, raw, adjusted):
        prob = prob_beats(final[a], final[b])
        out.append(Comparison(a, b, p, float(p_adj), prob, a12_magnitude(prob), verdict(p_adj, prob, alpha)))
    return out


def _prob_lower(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """P(X < Y) + P(X = Y)/2 over the last axis of batched samples x (..., n) and y (..., m)."""
    less = (x[..., :, None] < y[..., None, :]).mean(axis=(-2, -1))
    ties = (x[..., :, None] == y[..., None, :]).mean(axis=(-2, -1))
    return less + 0.5 * ties


def probability_of_improvement(tasks, *, confidence=CONFIDENCE, n_resamples=2000, rng=None) -> tuple[float, float, float]:
    """Average over tasks of P(a run of A has lower regret than a run of B), with a stratified-bootstrap interval.

    `tasks` is a list of (regrets_a, regrets_b) per benchmark. This is the "probability of
    improvement" of Agarwal et al. (2021): A12 per task, averaged, with runs of A and of B resampled
    independently within each task. Hand-written for the same reason as `stratified_bootstrap`.
    Returns (estimate, low, high) with a percentile interval.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    estimate = np.mean([_prob_lower(np.asarray(a, float), np.asarray(b, float)) for a, b in tasks])
    replicates = np.zeros(n_resamples)
    for a, b in tasks:
        a = np.asarray(a, dtype=float)
        b = np.asarray(b, dtype=float)
        ra = a[rng.integers(0, len(a), size=(n_resamples, len(a)))]
        rb = b[rng.integers(0, len(b), size=(n_resamples, len(b)))]
        replicates += _prob_lower(ra, rb)
    replicates /= len(tasks)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(replicates, [tail, 100 - tail])
    return float(estimate), float(low), float(high)
