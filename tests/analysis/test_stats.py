import math

import numpy as np
import pytest
from scipy import stats as sps

from benchlab.analysis import stats

# Tolerance for rates over N independent trials: reject only what a binomial test at 0.001 would.
N_TRIALS = 200


def _rate_is_plausible(hits: int, n: int, p: float) -> bool:
    return sps.binomtest(hits, n, p).pvalue > 0.001


def test_iqm_is_the_mean_of_the_middle_half():
    x = np.array([100.0, 1, 2, 3, 4, 5, 6, -50])  # middle half after sorting: 2, 3, 4, 5
    assert stats.iqm(x) == pytest.approx(3.5)


def test_holm_matches_a_hand_computed_case():
    p = [0.01, 0.04, 0.03, 0.005]
    # sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> running max 0.06
    np.testing.assert_allclose(stats.holm(p), [0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(stats.holm([0.5, 0.9]), [1.0, 1.0])


def test_holm_agrees_with_statsmodels_where_installed():
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    p = np.random.default_rng(3).uniform(0, 0.2, 15)
    np.testing.assert_allclose(stats.holm(p), multitest.multipletests(p, method="holm")[1])


def test_a12_counts_wins_and_half_ties():
    x = [1.0, 2.0, 3.0]
    y = [2.0, 0.0]
    # x > y in 4 of the 6 pairs (1>0, 2>0, 3>2, 3>0), one tie (2=2): A12 = (4 + 0.5) / 6
    assert stats.a12(x, y) == pytest.approx(4.5 / 6)
    assert stats.prob_beats(x, y) == pytest.approx(1 - 4.5 / 6)
    assert stats.a12_magnitude(0.5) == "negligible" and stats.a12_magnitude(0.05) == "large"


def test_ert_matches_a_hand_computed_case():
    # Three runs with budgets 100, 100, 80 evaluations: the first hits at 20, the third at 50, the second never.
    spent_until_hit = [20, 100, 50]
    spent_total = [100, 100, 80]
    hit = [True, False, True]
    assert stats.ert(spent_until_hit, spent_total, hit) == pytest.approx((20 + 100 + 50) / 2)
    assert stats.ert([5, 5], [10, 10], [False, False]) == math.inf
    assert stats.first_hit([0.3, 0.2, 0.01, 0.0], 0.05) == 2
    assert stats.first_hit([0.3, 0.2], 0.05) is None


def test_success_rate_counts_regret_within_epsilon():
    assert stats.success_rate([0.0, 1e-12, 0.01, 0.2]) == 0.5


def test_summary_of_a_sample():
    x = np.arange(1.0, 11.0)
    s = stats.summarise(x)
    assert s["n"] == 10 and s["mean"] == 5.5 and s["median"] == 5.5 and s["std"] == pytest.approx(np.std(x, ddof=1))
    assert s["ci_low"] < 5.5 < s["ci_high"]
    assert stats.bootstrap_ci([0.2] * 5) == (0.2, 0.2)


@pytest.mark.slow
def test_bootstrap_intervals_cover_the_true_mean_at_about_the_nominal_rate():
    rng = np.random.default_rng(11)
    covered = 0
    for _ in range(N_TRIALS):
        sample = rng.exponential(1.0, 30)  # skewed, true mean 1
        low, high = stats.bootstrap_ci(sample, np.mean, n_resamples=1000, rng=rng)
        covered += low <= 1.0 <= high
    assert _rate_is_plausible(covered, N_TRIALS, 0.95), covered


@pytest.mark.slow
def test_stratified_bootstrap_covers_the_true_iqm():
    # Symmetric distributions: each task's IQM is its centre; pooled IQM of equal-size, equal-centre tasks is the centre.
    rng = np.random.default_rng(5)
    covered = 0
    for _ in range(N_TRIALS):
        tasks = [rng.normal(0.3, scale, 20) for scale in (0.05, 0.1, 0.2)]
        estimate, low, high = stats.stratified_bootstrap(tasks, stats.iqm, n_resamples=1000, rng=rng)
        assert low <= estimate <= high
        covered += low <= 0.3 <= high
    assert _rate_is_plausible(covered, N_TRIALS, 0.95), covered


def test_stratified_bootstrap_keeps_every_task_in_every_resample():
    # Two tasks far apart: an unstratified resample could draw only one of them; a stratified one cannot.
    tasks = [np.zeros(4), np.ones(4)]
    estimate, low, high = stats.stratified_bootstrap(tasks, np.mean, n_resamples=500)
    assert estimate == low == high == 0.5
    curves = [np.tile([[1.0, 0.5]], (5, 1)), np.tile([[3.0, 1.5]], (5, 1))]
    est, lo, hi = stats.stratified_bootstrap(curves, np.mean, n_resamples=50)
    np.testing.assert_allclose(est, [2.0, 1.0])
    np.testing.assert_allclose(lo, est) and np.testing.assert_allclose(hi, est)


def test_a_clearly_better_strategy_is_called_better():
    rng = np.random.default_rng(1)
    final = {"good": rng.exponential(0.001, 20), "bad": rng.exponential(0.05, 20)}
    (c,) = stats.compare_pairs(final)
    assert (c.a, c.b, c.verdict, c.magnitude) == ("good", "bad", "better", "large")
    assert c.p_holm < 0.05 and c.prob_a_beats_b > 0.9
    (reverse,) = stats.compare_pairs(final, [("bad", "good")])
    assert reverse.verdict == "worse"


def test_identical_constant_samples_are_not_distinguishable():
    (c,) = stats.compare_pairs({"a": np.zeros(10), "b": np.zeros(10)})
    assert c.p_value == 1.0 and c.prob_a_beats_b == 0.5 and c.verdict == "not distinguishable"


@pytest.mark.slow
def test_false_positive_rate_of_null_comparisons_stays_near_alpha():
    rng = np.random.default_rng(2024)
    positives = 0
    for _ in range(N_TRIALS):
        same = rng.exponential(0.02, (2, 20))
        (c,) = stats.compare_pairs({"a": same[0], "b": same[1]}, alpha=0.05)
        positives += c.verdict != "not distinguishable"
    assert _rate_is_plausible(positives, N_TRIALS, 0.05), positives
    assert positives <= 0.05 * N_TRIALS + 3 * math.sqrt(N_TRIALS * 0.05 * 0.95)


@pytest.mark.slow
def test_holm_controls_the_family_wise_error_over_several_null_pairs():
    rng = np.random.default_rng(7)
    any_positive = 0
    for _ in range(N_TRIALS):
        final = {name: rng.normal(0, 1, 15) for name in "abcd"}  # 6 null pairs per family
        any_positive += any(c.verdict != "not distinguishable" for c in stats.compare_pairs(final))
    # Holm keeps the family-wise rate at or below alpha; without it six tests would give about 0.26.
    assert any_positive / N_TRIALS < 0.05 + 3 * math.sqrt(0.05 * 0.95 / N_TRIALS)


def test_probability_of_improvement():
    rng = np.random.default_rng(0)
    better = [(rng.exponential(0.001, 10), rng.exponential(0.05, 10)) for _ in range(3)]
    est, low, high = stats.probability_of_improvement(better)
    assert est > 0.9 and low > 0.5 and low <= est <= high
    same = [(np.zeros(5), np.zeros(5))] * 2
    assert stats.probability_of_improvement(same) == (0.5, 0.5, 0.5)
