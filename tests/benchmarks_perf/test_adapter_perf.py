"""Overhead of the Optuna and Nevergrad adapters beyond the libraries' own ask/tell (`make bench`).

Target: <= 20 us CPU per evaluation. Side by side in one process, per library: the bare
library loop (ask, read the decisions, tell the score) and the same loop through the
adapter (`strategy.ask()`, `strategy.tell()`), both on the NB201 space with the same
scores. The libraries' own time varies by far more than 20 us between rounds (Nevergrad
takes milliseconds per ask), so the figure asserted is the adapter's own work measured
alone: the adapter driven by a recording of its library's answers, with the library calls
replaced by that recording. The side-by-side difference is printed with it.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from algorithms import load_strategy
from algorithms.base import Feedback
from tests.benchmarks_perf.test_strategy_perf import Scores, _space

pytest.importorskip("optuna")
pytest.importorskip("nevergrad")

TARGET_S = 20e-6
ADAPTERS = {"optuna:RandomSampler": 200, "nevergrad:RandomSearch": 30}  # evaluations per round


def _cpu(fn) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def _bare_loop(strategy, scores: Scores, n: int):
    """The library's own ask/tell, set up exactly as the adapter sets it up."""
    names = strategy.names
    if strategy.library == "optuna":
        study, distributions = strategy.study, strategy._distributions

        def loop():
            for _ in range(n):
                trial = study.ask(distributions)
                params = trial.params
                study.tell(trial, scores.feedback(tuple(params[k] for k in names)).valid)
    else:
        optimizer = strategy._optimizer()

        def loop():
            for _ in range(n):
                candidate = optimizer.ask()
                value = candidate.value
                optimizer.tell(candidate, -scores.feedback(tuple(value[k] for k in names)).valid)
    return loop


def _adapter_loop(strategy, scores: Scores, n: int):
    def loop():
        for _ in range(n):
            arch = strategy.ask()
            strategy.tell(arch, scores.feedback(arch))
    return loop


def _replayed(name: str, space, n: int):
    """The adapter with its library calls answered from a recording of the library's asks."""
    strategy = load_strategy(name)(space, np.random.default_rng(0))
    strategy.set_budget(n, None)
    answers = [strategy._library_ask() for _ in range(n)]
    answers.reverse()
    strategy._library_ask = answers.pop
    strategy._library_tell = lambda handle, score: None
    return strategy


@pytest.mark.benchmark(timer=time.process_time, group="adapter overhead")
@pytest.mark.parametrize("name", list(ADAPTERS))
def test_adapter_overhead_per_evaluation(benchmark, name):
    space, n = _space(), ADAPTERS[name]

    def setup():
        return (_replayed(name, space, n), Scores(), n), {}

    def replayed(strategy, scores, count):
        _adapter_loop(strategy, scores, count)()

    benchmark.pedantic(replayed, setup=setup, rounds=5)
    overhead = benchmark.stats.stats.min / n

    # side by side: bare library loop and adapter loop, interleaved, least disturbed round of each
    bare, adapted = [], []
    for seed in range(3):
        strategy = load_strategy(name)(space, np.random.default_rng(seed))
        strategy.set_budget(2 * n, None)
        bare.append(_cpu(_bare_loop(strategy, Scores(seed), n)) / n)
        strategy = load_strategy(name)(space, np.random.default_rng(seed))
        strategy.set_budget(2 * n, None)
        adapted.append(_cpu(_adapter_loop(strategy, Scores(seed), n)) / n)
    benchmark.extra_info.update(overhead_us=overhead * 1e6, bare_us=min(bare) * 1e6, adapter_us=min(adapted) * 1e6)
    print(f"\n{name} on {space.name}: adapter's own work {overhead * 1e6:.1f} us per evaluation; "
          f"bare library loop {min(bare) * 1e6:.0f} us, through the adapter {min(adapted) * 1e6:.0f} us "
          f"(difference {(min(adapted) - min(bare)) * 1e6:+.0f} us)")
    assert overhead <= TARGET_S
