"""Bayesian optimisation against Optuna's TPE (and random search) on the same benchmarks.

Each run: `queries` evaluations, the benchmark's repeats drawn with a generator seeded by
the run's seed; the incumbent is the best observed score and its quality the mean
validation score of that architecture (as the simulator measures it). TPE is driven by its
ask/tell interface over the space's decisions (`tools/optuna_peer.py`).
Seconds per search are CPU seconds of the process (`time.process_time`).
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy.stats import mannwhitneyu

from algorithms import load_strategy
from algorithms.base import Feedback

BENCHMARKS = ("nb201/cifar10", "nb201/cifar100", "nb201/imagenet16-120", "graph/cora")


@dataclass(frozen=True)
class Run:
    final: float  # mean validation score of the final incumbent
    seconds: float


def _track(bench, arch, obs, best):
    if obs.valid > best[0]:
        best[0], best[1] = obs.valid, bench.means(arch).valid


def run_strategy(name: str, bench_name: str, seed: int, queries: int, **params) -> Run:
    from benchlab.benchmarks.registry import get_benchmark

    bench = get_benchmark(bench_name)
    started = time.process_time()
    strategy = load_strategy(name)(bench.space, np.random.default_rng(seed), **params)
    rng, best = np.random.default_rng(10_000 + seed), [-np.inf, np.nan]
    for _ in range(queries):
        arch = strategy.ask()
        obs = bench.query(arch, rng)
        strategy.tell(arch, Feedback(obs.valid, obs.cost, obs.fidelity))
        _track(bench, arch, obs, best)
    return Run(best[1], time.process_time() - started)


def run_tpe(bench_name: str, seed: int, queries: int) -> Run:
    from benchlab.benchmarks.registry import get_benchmark
    from tools.optuna_peer import optuna_search, tpe

    search = optuna_search(get_benchmark(bench_name), tpe, queries)
    started = time.process_time()
    final = search(seed)
    return Run(final, time.process_time() - started)


def _one(job):
    kind, bench_name, seed, queries, params = job
    return run_tpe(bench_name, seed, queries) if kind == "tpe" else run_strategy(kind, bench_name, seed, queries, **params)


@dataclass(frozen=True)
class Comparison:
    benchmark: str
    optimum: float
    finals: dict  # strategy -> array of final incumbent means over seeds
    seconds: dict  # strategy -> array of CPU seconds per search

    def mean_regret(self, name: str) -> float:
        return float(self.optimum - np.mean(self.finals[name]))

    def below_random_median(self, name: str) -> int:
        return int(np.sum(self.finals[name] < np.median(self.finals["rs"])))

    def p_value(self, a: str = "bo", b: str = "tpe") -> float:
        return float(mannwhitneyu(self.finals[a], self.finals[b], alternative="two-sided").pvalue)


def compare(benchmarks=BENCHMARKS, seeds: int = 80, queries: int = 150, processes: int = 2,
            bo_params: dict | None = None) -> list[Comparison]:
    """BO, TPE and random search on each benchmark, `seeds` runs each, in `processes` processes."""
    from benchlab.benchmarks.registry import get_benchmark

    kinds = {"bo": bo_params or {}, "tpe": {}, "rs": {}}
    jobs = [(kind, b, s, queries, params) for b in benchmarks for s in range(seeds) for kind, params in kinds.items()]
    with ProcessPoolExecutor(processes) as pool:
        runs = list(pool.map(_one, jobs, chunksize=4))
    out = []
    for b in benchmarks:
        mine = [(job, run) for job, run in zip(jobs, runs) if job[1] == b]
        finals = {k: np.array([r.final for j, r in mine if j[0] == k]) for k in kinds}
        seconds = {k: np.array([r.seconds for j, r in mine if j[0] == k]) for k in kinds}
        out.append(Comparison(b, get_benchmark(b).optimum.valid, finals, seconds))
    return out


def format_comparisons(results: list[Comparison]) -> str:
    lines = ["| benchmark | mean regret BO / TPE / RS | runs below the RS median BO / TPE | "
             "Mann-Whitney p (BO vs TPE) | CPU s per search BO / TPE (median) |", "|---|---|---|---|---|"]
    for c in results:
        lines.append(
            f"| {c.benchmark} | {c.mean_regret('bo'):.5f} / {c.mean_regret('tpe'):.5f} / {c.mean_regret('rs'):.5f} | "
            f"{c.below_random_median('bo')} / {c.below_random_median('tpe')} of {len(c.finals['bo'])} | "
            f"{c.p_value():.3f} | {np.median(c.seconds['bo']):.2f} / {np.median(c.seconds['tpe']):.2f} |"
        )
    return "\n".join(lines)
