"""The plumbing of `make bench-peers` (the peers themselves run only there)."""

from __future__ import annotations

import numpy as np
import pytest

from tools.peer_pairs import PairResult, format_pairs, run_pair


def test_pairs_alternate_and_report_ratios_and_quality():
    calls = []

    def searcher(name, final):
        def search(seed):
            calls.append((name, seed))
            return final + seed * 1e-3

        return search

    result = run_pair("search", ("ours", searcher("ours", 0.9)), ("peer", searcher("peer", 0.8)), seeds=4)
    assert [name for name, _ in calls] == ["ours", "peer", "peer", "ours", "ours", "peer", "peer", "ours"]
    assert [seed for _, seed in calls] == [0, 0, 1, 1, 2, 2, 3, 3]
    assert np.allclose(result.ours_final, 0.9 + np.arange(4) * 1e-3)
    assert result.ratios.shape == (4,) and np.all(result.ratios > 0)
    assert result.p_value < 0.05  # ours always better
    table = format_pairs([result], optimum=1.0)
    assert "| search | ours | peer |" in table and "0.09850 / 0.19850" in table


def test_equal_quality_is_p_one_and_timings_show_no_quality():
    same = np.full(3, 0.5)
    result = PairResult("x", "a", "b", np.ones(3), np.ones(3), same, same)
    assert result.p_value == 1.0
    timing = PairResult("lookup", "a", "b", np.ones(3), np.full(3, 2.0), np.full(3, np.nan), np.full(3, np.nan))
    assert "| 2.0 / 2.0 | - | - |" in format_pairs([timing], optimum=1.0)


def test_benchlab_and_optuna_searches_return_the_incumbent_quality():
    pytest.importorskip("optuna")
    from benchlab.benchmarks.registry import get_benchmark
    from tools.bench_peers import benchlab_search
    from tools.optuna_peer import optuna_search, random_sampler

    bench = get_benchmark("nb201/cifar10")
    ours, theirs = benchlab_search(bench, "rs", queries=20), optuna_search(bench, random_sampler, queries=20)
    for search in (ours, theirs):
        final = search(3)
        assert 0 < final <= bench.optimum.valid
        assert search(3) == final  # seeded
