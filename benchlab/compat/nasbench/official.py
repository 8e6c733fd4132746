"""The official `nasbench.api` dictionaries, built from an `NB101Benchmark`.

`query_official` answers exactly as `NASBench.query` does (one repeat drawn uniformly with
the generator given); `metrics_by_hash` / `metrics_of_row` return `(fixed_stat,
computed_stat)` as `NASBench.get_metrics_from_hash` does, with the `halfway_*` and
`final_*` keys.
"""

from __future__ import annotations

import numpy as np

from benchlab.benchmarks.nb101 import NB101Benchmark
from benchlab.benchmarks.nb101.store import FINAL, HALFWAY
from benchlab.errors import UserError


def query_official(bench: NB101Benchmark, cell, rng: np.random.Generator, epochs: int = 108, stop_halfway: bool = False) -> dict:
    """One repeat drawn uniformly with `rng`, as the dict `nasbench.api.NASBench.query` returns."""
    return query_official_row(bench, bench.row_of(cell), rng, epochs, stop_halfway)


def query_official_row(
    bench: NB101Benchmark, row: int, rng: np.random.Generator, epochs: int = 108, stop_halfway: bool = False
) -> dict:
    f = column_of(bench, epochs, HALFWAY if stop_halfway else FINAL)
    return answer(fixed_of(bench, row), bench.query_row(row, rng, bench.fidelities[f]))


def fixed_of(bench: NB101Benchmark, row: int) -> tuple[np.ndarray, tuple[str, ...], int]:
    """(int8 matrix, op names, trainable parameters) of a row: the part of an answer that
    does not depend on the repeat drawn."""
    matrix, ops = bench.stored_cell(row)
    return matrix, tuple(ops), int(bench.table.params[row])


def answer(fixed: tuple, obs) -> dict:
    """The official query dict of one drawn repeat; fresh objects each time, as the official
    API deep-copies its statistics."""
    matrix, ops, params = fixed
    return {
        "module_adjacency": matrix.copy(),
        "module_operations": list(ops),
        "trainable_parameters": params,
        "training_time": obs.cost,
        "train_accuracy": obs.train,
        "validation_accuracy": obs.valid,
        "test_accuracy": obs.test,
    }


def column_of(bench: NB101Benchmark, epochs, half: int) -> int:
    """The fidelity column of an epoch budget's halfway or final evaluation, or UserError."""
    try:
        return bench.column_of[(bench.epochs.index(int(epochs)), half)]
    except (ValueError, TypeError):
        raise UserError(
            f"{bench.name}: {epochs!r} epochs is not in the table; use one of {', '.join(map(str, bench.epochs))}"
        ) from None


def metrics_by_hash(bench: NB101Benchmark, key: str) -> tuple[dict, dict]:
    """(fixed_stat, computed_stat) exactly as `NASBench.get_metrics_from_hash` returns them."""
    return metrics_of_row(bench, bench.row_of_key(key))


def metrics_of_row(bench: NB101Benchmark, row: int) -> tuple[dict, dict]:
    matrix, ops = bench.stored_cell(row)
    fixed = {"module_adjacency": matrix, "module_operations": ops, "trainable_parameters": int(bench.table.params[row])}
    computed = {}
    for e, epochs in enumerate(bench.epochs):
        points = []
        halfway, final = (_observations_or_none(bench, row, bench.column_of[(e, h)]) for h in (HALFWAY, FINAL))
        for at_half, at_end in zip(halfway, final):
            point = {}
            for prefix, obs in (("halfway_", at_half), ("final_", at_end)):
                point[prefix + "training_time"] = obs.cost
                point[prefix + "train_accuracy"] = obs.train
                point[prefix + "validation_accuracy"] = obs.valid
                point[prefix + "test_accuracy"] = obs.test
            points.append(point)
        if points:
            computed[epochs] = points
    return fixed, computed


def _observations_or_none(bench: NB101Benchmark, row: int, f: int) -> list:
    try:
        return list(bench.observations_of(row, f))
    except UserError:
        return []
