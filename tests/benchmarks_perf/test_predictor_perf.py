"""Speed targets of the predictor-based search (run by `make bench`).

* BANANAS ask+tell at 150 observations <= 200 ms per evaluation, ensemble training
  included: one round of `batch_size` = 10 asks and tells, of which the first trains the
  5-network ensemble on the 150 results (the round's total is printed too).
* The MLP ensemble's two backends side by side at 150 observations: the stacked numpy
  networks against scikit-learn's MLPRegressor (the reason the numpy version exists).
* Zero-cost synflow for one NB201 cell on the CPU <= 100 ms (network construction
  included), for the best cell of nb201/cifar10; beside it the same score with each of its
  two speed-ups undone (built with batch norm then stripped; weight gradients).

Times are CPU seconds of this process (`time.process_time`); the proxy scorer runs torch on
one thread, so its CPU time is its cost.
"""

from __future__ import annotations

import copy
import time

import numpy as np
import pytest

from algorithms import load_strategy
from tests.benchmarks_perf.side_by_side import Peer
from tests.benchmarks_perf.test_strategy_perf import WARM, Scores, _evaluate, _space

BANANAS_TARGET_S = 200e-3
SYNFLOW_TARGET_S = 100e-3


@pytest.mark.benchmark(timer=time.process_time, group="bananas ask+tell")
def test_bananas_time_per_evaluation_at_150_observations(benchmark):
    space = _space()
    warmed = load_strategy("bananas")(space, np.random.default_rng(0))
    scores = Scores()
    _evaluate(warmed, scores, WARM)
    n = warmed.batch_size  # one round: one ensemble training and n proposals

    def setup():
        return (copy.deepcopy(warmed), copy.deepcopy(scores), n), {}

    benchmark.pedantic(_evaluate, setup=setup, rounds=3)
    per_eval = benchmark.stats.stats.min / n
    benchmark.extra_info["per_evaluation_ms"] = per_eval * 1e3
    print(f"\nbananas on {space.name}: {per_eval * 1e3:.1f} ms CPU per ask+tell at {WARM} observations "
          f"({benchmark.stats.stats.min * 1e3:.0f} ms for the round of {n}, one ensemble training)")
    assert per_eval <= BANANAS_TARGET_S


def _fit(backend: str):
    from benchlab.predictors.mlp_ensemble import MLPEnsemblePredictor

    rng = np.random.default_rng(0)
    X = (rng.random((WARM, 84)) < 0.1).astype(float)
    y = rng.random(WARM)
    MLPEnsemblePredictor(_space(), np.random.default_rng(1), backend=backend).fit(X, y)


@pytest.mark.benchmark(timer=time.process_time, group="mlp-ensemble fit at 150 observations")
@pytest.mark.parametrize("backend", ["numpy", "sklearn"])
def test_mlp_ensemble_fit_by_backend(benchmark, backend):
    benchmark.pedantic(_fit, args=(backend,), rounds=3 if backend == "numpy" else 1)
    print(f"\nmlp-ensemble ({backend}): {benchmark.stats.stats.min * 1e3:.0f} ms CPU per fit of 5 networks")


@pytest.mark.benchmark(timer=time.process_time, group="zero-cost proxies")
def test_synflow_one_nb201_cell(benchmark):
    """As scored, alternating round by round with the same score with each speed-up undone:
    the network built with batch norm and then stripped, and the weight gradients as well."""
    pytest.importorskip("torch")
    from benchlab.spaces.nb201 import NB201Space
    from benchlab.train.proxies import measures, scoring
    from benchlab.train.proxies.scoring import ProxyScorer

    space = NB201Space()
    scorer = ProxyScorer(space, "synflow", cache=None)
    arch = space.parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|")

    def undone(by_weight_gradients: bool):
        def run():
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(scoring, "WITHOUT_BATCH_NORM", ())
                if by_weight_gradients:
                    patch.setitem(measures.MEASURES, "synflow", measures.synflow_by_weight_gradients)
                return scorer.score_one(arch)
        return run

    stripped, plain = Peer(undone(False), time.process_time), Peer(undone(True), time.process_time)

    def setup():
        stripped.setup()
        plain.setup()
        return (arch,), {}

    scorer.score_one(arch)  # warm-up (torch's first call initialises its kernels)
    benchmark.pedantic(scorer.score_one, setup=setup, rounds=10)
    ours = benchmark.stats.stats.min
    benchmark.extra_info |= {"built_with_batch_norm_min_s": stripped.best, "plain_min_s": plain.best}
    print(f"\nsynflow, one NB201 cell, min of 10 alternating rounds: as scored {ours * 1e3:.0f} ms CPU; "
          f"built with batch norm then stripped {stripped.best * 1e3:.0f} ms; plain (also weight gradients) "
          f"{plain.best * 1e3:.0f} ms (as scored / plain {ours / plain.best:.2f})")
    assert ours <= SYNFLOW_TARGET_S
