"""Final results of an experiment's runs, and the per-benchmark table `benchlab compare` prints."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from benchlab.harness import storage
from benchlab.harness.config import ExperimentConfig

_FINAL_COLUMNS = ["step", "sim_end", "valid_regret", "test_regret", "hv_regret", "test_hv_regret"]
_METRIC_NAMES = {"test_regret": "test regret", "valid_regret": "validation regret",
                 "hv_regret": "hypervolume regret", "test_hv_regret": "test-side hypervolume regret"}


def final_results(out_dir: str | Path, config: ExperimentConfig) -> pd.DataFrame:
    """One row per finished run of `config`: its last incumbent's regrets (runs without a file are left out)."""
    rows = []
    for bench in config.benchmarks:
        for label in config.strategies:
            for seed in range(config.seeds):
                path = storage.run_file(out_dir, bench, label, seed)
                if not path.exists():
                    continue
                present = set(pq.read_schema(path).names)  # files from before hypervolume columns lack them
                table = pq.read_table(path, columns=[c for c in _FINAL_COLUMNS if c in present])
                n = table.num_rows
                last = {c: (table.column(c)[n - 1].as_py() if n and c in present else math.nan) for c in _FINAL_COLUMNS}
                rows.append({
                    "benchmark": bench,
                    "strategy": label,
                    "seed": seed,
                    "evaluations": n,
                    "sim_time": last["sim_end"],
                    "valid_regret": _nan(last["valid_regret"]),
                    "test_regret": _nan(last["test_regret"]),
                    "hv_regret": _nan(last["hv_regret"]),
                    "test_hv_regret": _nan(last["test_hv_regret"]),
                })
    return pd.DataFrame(rows, columns=["benchmark", "strategy", "seed", "evaluations", "sim_time", "valid_regret",
                                       "test_regret", "hv_regret", "test_hv_regret"])


def summary_tables(finals: pd.DataFrame) -> dict[str, tuple[str, pd.DataFrame]]:
    """Per benchmark: (metric used, table of strategy -> runs, mean, standard error), best mean first.

    The metric is the final test regret, or the validation regret where the benchmark has no test metric;
    in multi-objective experiments the (test-side) hypervolume regret.
    """
    out = {}
    for bench, group in finals.groupby("benchmark", sort=False):
        metric = next(m for m in ("test_hv_regret", "hv_regret", "test_regret", "valid_regret")
                      if m == "valid_regret" or group[m].notna().any())
        stats = group.groupby("strategy", sort=False)[metric].agg(
            runs="count", mean="mean", se=lambda x: _standard_error(x.to_numpy()))
        out[bench] = (metric, stats.sort_values("mean", kind="stable"))
    return out


def format_tables(tables: dict[str, tuple[str, pd.DataFrame]]) -> str:
    lines = []
    for bench, (metric, stats) in tables.items():
        lines.append(f"{bench}: final {_METRIC_NAMES[metric]} (mean +- standard error)")
        width = max([len("strategy")] + [len(s) for s in stats.index])
        for label, row in stats.iterrows():
            lines.append(f"  {label:<{width}}  {row['mean']:.5f} +- {row['se']:.5f}  ({int(row['runs'])} runs)")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n" if lines else "no finished runs\n"


def _standard_error(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    if len(values) < 2:
        return math.nan
    return float(np.std(values, ddof=1) / math.sqrt(len(values)))


def _nan(x):
    return math.nan if x is None else float(x)
