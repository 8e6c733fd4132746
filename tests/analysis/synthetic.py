"""Synthetic experiment folders in the harness's result layout, with answers known by construction.

Each evaluation's architecture has a regret drawn from an exponential distribution whose mean
is the strategy's `quality` (smaller = better strategy); the incumbent keeps the smallest so far.
Strategies given the same quality are statistically identical.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa

from benchlab.analysis.load import run_file
from benchlab.run.objective_columns import blank_columns
from benchlab.harness.integrity import METADATA_KEY, seal
from benchlab.run.schema import SCHEMA


def trajectory(benchmark, strategy, seed, quality, queries, rng, *, has_test=True, optimum_hits=0.0) -> pa.Table:
    regret_each = rng.exponential(quality, size=queries)
    if optimum_hits:
        regret_each[rng.random(queries) < optimum_hits] = 0.0
    valid_regret = np.minimum.accumulate(regret_each)
    test_regret = valid_regret * 1.5 if has_test else np.full(queries, np.nan)
    cost = rng.uniform(100.0, 1000.0, size=queries)
    sim_end = np.cumsum(cost)
    keys = [f"a{seed}-{i}" for i in range(queries)]
    incumbent = [keys[int(np.argmin(regret_each[: i + 1]))] for i in range(queries)]
    columns = {
        "benchmark": [benchmark] * queries,
        "strategy": [strategy] * queries,
        "seed": np.full(queries, seed),
        "step": np.arange(queries),
        "worker": np.zeros(queries, dtype=np.int64),
        "sim_start": sim_end - cost,
        "sim_end": sim_end,
        "arch_key": keys,
        "fidelity": [None] * queries,
        "valid_observed": 0.9 - regret_each,
        "cost": cost,
        "incumbent_key": incumbent,
        "incumbent_valid_mean": 0.9 - valid_regret,
        "incumbent_test_mean": 0.9 - test_regret,
        "valid_regret": valid_regret,
        "test_regret": test_regret,
        "strategy_wall_s": np.full(queries, 1e-4),
        **blank_columns(queries),
    }
    table = pa.table(columns, schema=SCHEMA)
    meta = {"benchmark": benchmark, "strategy": strategy, "seed": seed, "settings_hash": "synthetic", "status": "ok"}
    return table.replace_schema_metadata({METADATA_KEY: json.dumps(meta).encode()})


def sealed(table: pa.Table) -> bytes:
    """The run file the harness would write for `table`: its metadata plus a checksum."""
    return seal(table, json.loads(table.schema.metadata[METADATA_KEY]))


def write_experiment(
    root: Path,
    qualities: dict[str, float],
    *,
    benchmarks=("toy/a", "toy/b"),
    seeds: int = 10,
    queries: int = 50,
    rng_seed: int = 0,
    no_test=(),
    optimum_hits: dict[str, float] | None = None,
) -> Path:
    """Write manifest.json and one Parquet file per (benchmark, strategy, seed); returns `root`."""
    rng = np.random.default_rng(rng_seed)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    optimum_hits = optimum_hits or {}
    for benchmark in benchmarks:
        for strategy, quality in qualities.items():
            for seed in range(seeds):
                path = run_file(root, benchmark, strategy, seed)
                path.parent.mkdir(parents=True, exist_ok=True)
                table = trajectory(
                    benchmark, strategy, seed, quality, queries, rng,
                    has_test=benchmark not in no_test, optimum_hits=optimum_hits.get(strategy, 0.0),
                )
                path.write_bytes(sealed(table))
    manifest = {
        "name": root.name,
        "config": {"seeds": seeds, "budget": {"queries": queries}},
        "versions": {"benchlab": "0.1.0", "numpy": np.__version__},
        "benchmarks": {
            b: {
                "checksum": f"sha256:{i:064d}",
                "metric": "accuracy (fraction)",
                "has_test_metric": b not in no_test,
                "has_time_cost": True,
                "description": f"synthetic benchmark {b}",
                "optimum_valid": 0.9,
                "optimum_test": 0.9,
                "fidelities": [None],
            }
            for i, b in enumerate(benchmarks)
        },
        "strategies": {s: {"class": f"algorithms.synthetic:{s}", "params": {}} for s in qualities},
        "seeds": seeds,
        "budget": {"queries": queries},
        "started": "2026-01-01T00:00:00Z",
        "finished": "2026-01-01T00:01:00Z",
    }
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return root
