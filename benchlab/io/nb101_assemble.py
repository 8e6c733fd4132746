"""From decoded NAS-Bench-101 records to the table's arrays, and the check of its hashes.

Everything after decoding is vectorised numpy: deduplication (rows in order of first
appearance), repeat numbering, consistency checks, filling the dense arrays. Every stored
module hash is then checked against the key the NB101 search space computes for the stored
cell, spread over processes for a large table.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np

from benchlab.errors import DataError, InvalidArchitectureError
from benchlab.io.nb101_convert import (
    DEFAULT_MAX_EDGES, OP_LABELS, PADDING, KeyFunction, NB101DataWarning, default_key_function,
)
from benchlab.io.nb101_decode import Progress
from benchlab.io.nb101_records import record_error


def _first_appearance(hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row of each record, first record of each row) with rows numbered in file order."""
    _, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[inverse.ravel()], first[order]


def _repeat_slots(row: np.ndarray, epoch_index: np.ndarray, n_epochs: int) -> np.ndarray:
    """The number of earlier records of the same (cell, epochs): each record's repeat slot."""
    group = row.astype(np.int64) * n_epochs + epoch_index
    order = np.argsort(group, kind="stable")  # stable: file order within a group
    sorted_group = group[order]
    starts = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]])
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    slots = np.empty_like(order)
    slots[order] = np.arange(len(order)) - run_start
    return slots


def _check_same_cell(path: Path, data: dict, row: np.ndarray, first: np.ndarray) -> None:
    """Every record of one module hash must describe the same cell and parameter count."""
    for name, what in (("digits", "adjacency"), ("op_id", "operations"), ("params", "trainable_parameters")):
        values = data[name]
        bad = np.flatnonzero(values != values[first[row]])
        if len(bad):
            i = int(bad[0])
            j = int(first[row[i]])
            raise DataError(
                f"{path}: record {i} at byte {int(data['offset'][i])}: module_hash "
                f"{data['hash'][i].decode()} has another {what} than record {j}; the file is inconsistent, "
                "download it again"
            )


def _repeat_report(path: Path, counts: np.ndarray, hashes: np.ndarray, epochs: np.ndarray) -> str | None:
    """A one-paragraph description of (cell, epochs) pairs whose repeat count differs from the most common."""
    values, freq = np.unique(counts, return_counts=True)
    if len(values) == 1:
        return None
    usual = int(values[np.argmax(freq)])
    odd = np.argwhere(counts != usual)
    summary = ", ".join(f"{int(f)} with {int(v)}" for v, f in zip(values, freq) if v != usual)
    cell, e = odd[0]
    return (
        f"{path}: repeat counts differ: most (cell, epochs) pairs have {usual} repeats, but {summary} "
        f"(e.g. {hashes[cell].decode()} at {int(epochs[e])} epochs has {int(counts[cell, e])}); "
        "missing repeats are stored as NaN"
    )


def _matrices(digits: np.ndarray, num_vertices: np.ndarray, max_vertices: int) -> np.ndarray:
    n = len(digits)
    adjacency = np.zeros((n, max_vertices, max_vertices), dtype=np.uint8)
    width = digits.dtype.itemsize
    raw = np.frombuffer(digits.tobytes(), dtype=np.uint8).reshape(n, width)
    for v in np.unique(num_vertices):
        rows = np.flatnonzero(num_vertices == v)
        adjacency[rows, :v, :v] = (raw[rows, : v * v] - ord("0")).reshape(len(rows), v, v)
    return adjacency


def _op_labels(path: Path, data: dict) -> np.ndarray:
    """(len(vocabulary), most vertices) int8 labels of each distinct op text, padded with -3."""
    width = max(text.count(",") + 1 for text in data["vocabulary"])
    labels = np.full((len(data["vocabulary"]), width), PADDING, dtype=np.int8)
    for text_id, text in enumerate(data["vocabulary"]):
        names = text.split(",")
        unknown = [name for name in names if name not in OP_LABELS]
        if unknown:
            i = int(np.flatnonzero(data["op_id"] == text_id)[0])
            raise DataError(
                f"{path}: record {i} at byte {int(data['offset'][i])}: unknown operation {unknown[0]!r} "
                f"(known: {', '.join(OP_LABELS)}); the file is not a NAS-Bench-101 record file"
            )
        labels[text_id, : len(names)] = [OP_LABELS[name] for name in names]
    return labels


_LABEL_NAMES = {label: name for name, label in OP_LABELS.items()}


def _first_wrong_hash(
    hashes: np.ndarray, adjacency: np.ndarray, ops: np.ndarray, num_vertices: np.ndarray,
    key: KeyFunction | tuple[int, int],
) -> tuple[int, str] | None:
    """(row, problem) of the first row whose stored hash is not its cell's key, or None.

    `key` is a key function or (max_vertices, max_edges) of the default one (what a worker
    process gets: functions built in the parent do not travel between processes).
    """
    if isinstance(key, tuple):
        key = default_key_function(*key)
    for row in range(len(hashes)):
        v = int(num_vertices[row])
        names = [_LABEL_NAMES[label] for label in ops[row, :v].tolist()]
        stored = hashes[row].decode()
        try:
            computed = key(adjacency[row, :v, :v], names)
        except InvalidArchitectureError as exc:
            return row, f"invalid cell ({exc})"
        if computed != stored:
            return row, f"module_hash {stored} differs from the hash of its cell, {computed}"
    return None


_CHECK_CHUNK = 8192  # cells per parallel work unit of the hash check


def check_hashes(path: Path, arrays: dict, attrs: dict, first_record: np.ndarray, offsets: np.ndarray,
                 key: KeyFunction | None, jobs: int, progress: bool) -> None:
    """Every stored module hash must be the key the search space computes for its cell.

    Each cell is new to the key function (a table holds every cell once), so this costs one
    official hash per cell: with the default key it is spread over `jobs` processes.
    """
    columns = (arrays["hash"], arrays["adjacency"], arrays["ops"], arrays["num_vertices"])
    n = len(columns[0])
    bar = Progress(n, progress, f"checking {n} module hashes", unit="cell")
    failure = None
    try:
        if key is not None or jobs <= 1 or n < 2 * _CHECK_CHUNK:
            key = key or default_key_function(attrs["max_vertices"], attrs["max_edges"])
            failure = _first_wrong_hash(*columns, key)
            bar.update(n)
        else:
            from benchlab.processes import fork_pool

            limits = (int(attrs["max_vertices"]), int(attrs["max_edges"]))
            with fork_pool(jobs) as pool:
                futures = [
                    (lo, pool.submit(_first_wrong_hash, *(c[lo : lo + _CHECK_CHUNK] for c in columns), limits))
                    for lo in range(0, n, _CHECK_CHUNK)
                ]
                for lo, future in futures:
                    found = future.result()
                    bar.update(min(_CHECK_CHUNK, n - lo))
                    if found is not None:
                        failure = (lo + found[0], found[1])
                        for _, rest in futures:
                            rest.cancel()
                        break
    finally:
        bar.close()
    if failure is not None:
        row, problem = failure
        i = int(first_record[row])
        raise record_error(path, i, int(offsets[i]), problem)


def build_table(path: Path, data: dict) -> tuple[dict, dict, np.ndarray]:
    """(datasets, attributes, first record of each cell) of the table."""
    n_records = len(data["hash"])
    labels = _op_labels(path, data)
    row, first = _first_appearance(data["hash"])
    _check_same_cell(path, data, row, first)
    epochs = np.unique(data["epochs"])
    epoch_index = np.searchsorted(epochs, data["epochs"])
    slots = _repeat_slots(row, epoch_index, len(epochs))
    n = len(first)
    counts = np.zeros((n, len(epochs)), dtype=np.int64)
    np.add.at(counts, (row, epoch_index), 1)
    repeats = int(counts.max())
    hashes = data["hash"][first]
    report = _repeat_report(path, counts, hashes, epochs)
    if report:
        warnings.warn(report, NB101DataWarning, stacklevel=3)

    first_digits = data["digits"][first]
    num_vertices = np.array([math.isqrt(len(d)) for d in first_digits.tolist()], dtype=np.uint8)
    max_vertices = int(num_vertices.max())
    adjacency = _matrices(first_digits, num_vertices, max_vertices)
    ops = labels[data["op_id"][first], :max_vertices]
    max_edges = max(DEFAULT_MAX_EDGES, int(adjacency.sum(axis=(1, 2)).max()))

    metrics = np.full((n, len(epochs), repeats, 2, 4), np.nan)
    metrics[row, epoch_index, slots] = data["metrics"]
    current_epoch = np.full((n, len(epochs), repeats, 2), np.nan)
    current_epoch[row, epoch_index, slots] = data["current_epoch"]
    arrays = {
        "hash": hashes,
        "num_vertices": num_vertices,
        "adjacency": adjacency,
        "ops": ops,
        "trainable_parameters": data["params"][first],
        "metrics": metrics,
        "current_epoch": current_epoch,
    }
    attrs = {
        "max_vertices": max_vertices,
        "max_edges": max_edges,
        "epochs": epochs.astype(np.int64),
        "repeats": repeats,
        "num_records": n_records,
    }
    return arrays, attrs, first
