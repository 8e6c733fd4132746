"""The trajectory schema: one row per evaluation, as written to each run's Parquet file.

Users analyse these files themselves, so the columns are documented here and in the README.
Regrets are measured against the benchmark's optimum of *mean* validation / test score
(fractions for accuracies); test columns are NaN where a benchmark has no test metric.
"""

from __future__ import annotations

import pyarrow as pa

COLUMNS: dict[str, tuple[pa.DataType, str]] = {
    "benchmark": (pa.string(), "benchmark name, e.g. nb201/cifar10"),
    "strategy": (pa.string(), "strategy label in the experiment (registry name or user label)"),
    "seed": (pa.int64(), "repeat index of this run within the experiment"),
    "step": (pa.int64(), "0-based evaluation number, in order of finishing time"),
    "worker": (pa.int64(), "simulated worker that ran the evaluation"),
    "sim_start": (pa.float64(), "simulated time the evaluation started (seconds)"),
    "sim_end": (pa.float64(), "simulated time the result arrived (seconds)"),
    "arch_key": (pa.string(), "canonical key of the evaluated architecture"),
    "fidelity": (pa.int64(), "budget evaluated at (epochs); null for single-fidelity benchmarks"),
    "valid_observed": (pa.float64(), "validation score the strategy was told (one sampled repeat)"),
    "cost": (pa.float64(), "simulated seconds charged for this evaluation"),
    "incumbent_key": (pa.string(), "best architecture so far by observed validation score"),
    "incumbent_valid_mean": (pa.float64(), "incumbent's mean validation score over repeats"),
    "incumbent_test_mean": (pa.float64(), "incumbent's mean test score over repeats (NaN if none)"),
    "valid_regret": (pa.float64(), "optimum mean validation minus incumbent's mean validation"),
    "test_regret": (pa.float64(), "optimum mean test minus incumbent's mean test (NaN if none)"),
    "strategy_wall_s": (pa.float64(), "wall-clock seconds the strategy spent in ask+tell for this step"),
    # every objective the benchmark declares, as drawn (NaN where it records none)
    "test_observed": (pa.float64(), "test score of the drawn repeat (NaN if none; never shown to the strategy)"),
    "params_observed": (pa.float64(), "trainable parameters of the cell"),
    "latency_observed": (pa.float64(), "recorded latency of the cell (seconds)"),
    "train_time_observed": (pa.float64(), "recorded training time of the drawn repeat (seconds)"),
    "precision_observed": (pa.float64(), "validation precision of the drawn repeat"),
    "f1_observed": (pa.float64(), "validation F1 of the drawn repeat"),
    "train_observed": (pa.float64(), "training accuracy of the drawn repeat"),
    # objectives and constraints (NaN / true / 0 in single-objective, unconstrained runs)
    "feasible": (pa.bool_(), "the cell meets the experiment's constraints (on its repeat-means)"),
    "hv_regret": (pa.float64(), "true front's hypervolume minus the archive's (normalised objectives)"),
    "test_hv_regret": (pa.float64(), "the same with the test score in place of valid (NaN if none)"),
    "archive_size": (pa.int64(), "non-dominated feasible cells found so far"),
}

SCHEMA = pa.schema([pa.field(name, dtype) for name, (dtype, _) in COLUMNS.items()])
