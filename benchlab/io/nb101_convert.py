"""Convert an official NAS-Bench-101 TFRecord file into benchlab's HDF5 table (format_version 1).

Layout (n unique cells in order of first appearance, E epoch budgets, R repeats):
  root attrs: format="benchlab-nb101", format_version=1, source_name, source_sha256,
      max_vertices, max_edges, epochs (ascending int64), repeats, num_records (of the source)
  hash (n,) |S32; num_vertices (n,) uint8; adjacency (n, V, V) uint8 zero-padded;
  ops (n, V) int8 (-1 input, -2 output, 0 conv3x3, 1 conv1x1, 2 maxpool, -3 padding);
  trainable_parameters (n,) int64;
  metrics (n, E, R, 2, 4) float64 [halfway|final] x [train, valid, test accuracy, training time];
  current_epoch (n, E, R, 2) float64; NaN wherever a value does not exist.

The file is decoded in parallel spans (one process per core): each span becomes compact
arrays, and everything after that (deduplication, repeat numbering, consistency checks,
filling the dense arrays) is vectorised numpy. Every stored module hash is checked against
the key the NB101 search space computes for the stored cell.
"""

from __future__ import annotations

import hashlib
import math
import os
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchlab.errors import DataError, InvalidArchitectureError
from benchlab.io.atomic import AtomicTarget
from benchlab.io.nb101_records import RecordError, decode_halfway_final, parse_payload, record_error
from benchlab.io.tfrecord import read_frames, scan_frames
from benchlab.paths import data_dir
from benchlab.spaces.nb101 import LABELS

FORMAT = "benchlab-nb101"
FORMAT_VERSION = 1
DEFAULT_NAME = "nasbench101.h5"
OP_LABELS = LABELS  # operation name -> the official integer label, as the table stores it
PADDING = -3
DEFAULT_MAX_EDGES = 9
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_SPAN = 65_536  # records per parallel work unit: a few MB of payload, a fraction of a second
_PARALLEL_FROM = 1 << 24  # bytes; smaller files are not worth starting processes for

# (matrix, ops) -> module hash of the cell; raises InvalidArchitectureError for an invalid cell.
KeyFunction = Callable[[np.ndarray, list], str]


class NB101DataWarning(UserWarning):
    """The file converts, but something about it is uneven (e.g. repeat counts differ)."""


def default_output() -> Path:
    return data_dir() / DEFAULT_NAME


# -- decoding spans of records ------------------------------------------------------------------
def _decode_span(path: str, start: tuple[int, int], count: int | None) -> dict:
    """Decode `count` records from `start` into compact arrays (runs in a worker process)."""
    cells = []  # (module_hash, epochs, adjacency digits, op text id, parameters, offset) per record
    values = []  # halfway and final EvaluationData values per record
    vocabulary: dict[str, int] = {}
    add_cell, add_values, op_id = cells.append, values.append, vocabulary.setdefault
    for index, offset, payload in read_frames(path, start=start, count=count):
        try:
            module_hash, epochs, digits, ops_text, raw = parse_payload(payload)
            half, final, params = decode_halfway_final(raw)
        except RecordError as exc:
            raise record_error(path, index, offset, str(exc)) from None
        add_cell((module_hash, epochs, digits, op_id(ops_text, len(vocabulary)), params, offset))
        add_values(half + final)
    k = len(cells)
    hashes, epochs, digits, op_ids, params, offsets = zip(*cells) if k else ((),) * 6
    # EvaluationData order: current_epoch, training_time, train, valid, test accuracy
    table = np.array(values, dtype=np.float64).reshape(k, 2, 5)
    return {
        "first_index": start[0],
        "hash": np.array(hashes, dtype="S32"),
        "epochs": np.array(epochs, dtype=np.int64),
        "digits": np.array(digits, dtype="S"),
        "op_id": np.array(op_ids, dtype=np.int32),
        "vocabulary": list(vocabulary),
        "params": np.array(params, dtype=np.int64),
        "offset": np.array(offsets, dtype=np.int64),
        "metrics": table[:, :, [2, 3, 4, 1]],  # train, valid, test accuracy, training time
        "current_epoch": np.ascontiguousarray(table[:, :, 0]),
    }


def _merge(spans: list[dict]) -> dict:
    """Concatenate span arrays (emptying `spans`), renumbering each span's op-text vocabulary into one."""
    spans.sort(key=lambda span: span["first_index"])
    vocabulary: dict[str, int] = {}
    for span in spans:
        remap = np.array([vocabulary.setdefault(text, len(vocabulary)) for text in span["vocabulary"]], dtype=np.int32)
        span["op_id"] = remap[span["op_id"]] if len(remap) else span["op_id"]
        del span["vocabulary"], span["first_index"]
    merged = {"vocabulary": list(vocabulary)}
    for name in list(spans[0]):
        merged[name] = np.concatenate([span.pop(name) for span in spans])  # each span's copy freed as we go
    spans.clear()
    return merged


class _Progress:
    """A tqdm bar (bytes by default), or nothing when progress is off."""

    def __init__(self, total: int, enabled: bool, desc: str, unit: str = "B"):
        self.bar = None
        if enabled:
            from tqdm import tqdm

            scale = {"unit_scale": True, "unit_divisor": 1024} if unit == "B" else {}
            self.bar = tqdm(total=total, unit=unit, desc=desc, **scale)

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _decode_file(path: Path, size: int, jobs: int, progress: _Progress) -> tuple[dict, str]:
    """(merged record arrays, SHA-256 of the file). With several jobs the workers decode spans
    while this process hashes the file."""
    # here: opening a table (which reads this module's constants) needs no download or process code
    from benchlab.io.download import sha256_of
    from benchlab.processes import fork_pool

    if jobs <= 1:
        span = _decode_span(str(path), (0, 0), None)
        progress.update(size)
        return _merge([span]), sha256_of(path)
    starts, n_frames = scan_frames(path, every=_SPAN)
    bounds = [offset for _, offset in starts] + [size]
    spans = []
    with fork_pool(jobs) as pool:
        futures = [
            (pool.submit(_decode_span, str(path), start, min(_SPAN, n_frames - start[0])), bounds[i + 1] - bounds[i])
            for i, start in enumerate(starts)
        ]
        try:
            digest = hashlib.sha256()
            with open(path, "rb") as fh:
                while data := fh.read(1 << 24):
                    digest.update(data)
                    while futures and futures[0][0].done():  # in file order: the first bad record is reported
                        future, n_bytes = futures.pop(0)
                        spans.append(future.result())
                        progress.update(n_bytes)
            for future, n_bytes in futures:
                spans.append(future.result())
                progress.update(n_bytes)
        except BaseException:
            for future, _ in futures:
                future.cancel()
            raise
    return _merge(spans), digest.hexdigest()


# -- building the table ---------------------------------------------------------------------------
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


def default_key_function(max_vertices: int, max_edges: int) -> KeyFunction:
    """The NB101 search space's canonical key (the official module hash) for (matrix, ops)."""
    from benchlab.spaces.nb101 import Cell, NB101Space

    space = NB101Space(max_vertices=max_vertices, max_edges=max_edges)

    def key(matrix: np.ndarray, ops: list) -> str:
        return space.key(Cell(matrix, ops))

    return key


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


def _check_hashes(path: Path, arrays: dict, attrs: dict, first_record: np.ndarray, offsets: np.ndarray,
                  key: KeyFunction | None, jobs: int, progress: bool) -> None:
    """Every stored module hash must be the key the search space computes for its cell.

    Each cell is new to the key function (a table holds every cell once), so this costs one
    official hash per cell: with the default key it is spread over `jobs` processes.
    """
    columns = (arrays["hash"], arrays["adjacency"], arrays["ops"], arrays["num_vertices"])
    n = len(columns[0])
    bar = _Progress(n, progress, f"checking {n} module hashes", unit="cell")
    failure = None
    try:
        if key is not None or jobs <= 1 or n < 2 * _CHECK_CHUNK:
            key = key or default_key_function(attrs["max_vertices"], attrs["max_edges"])
            failure = _first_wrong_hash(*columns, key)
            bar.update(n)
        else:
            from benchlab.processes import fork_pool  # here: see _decode_file

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


def _build_table(path: Path, data: dict) -> tuple[dict, dict, np.ndarray]:
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


# -- the whole conversion ---------------------------------------------------------------------------
def _check_source(src: Path) -> int:
    if not src.exists():
        raise DataError(f"{src}: no such file; download it with `benchlab data download nb101` or check the path")
    if src.is_dir():
        raise DataError(f"{src}: is a folder; give the .tfrecord file itself")
    size = src.stat().st_size
    if size == 0:
        raise DataError(f"{src}: the file is empty; download it again")
    with open(src, "rb") as fh:
        if fh.read(8) == _HDF5_SIGNATURE:
            raise DataError(
                f"{src}: is an HDF5 file, not a NAS-Bench-101 .tfrecord; if it is a converted table, open it "
                "directly instead of converting it"
            )
    return size


def _write_hdf5(dst: Path, arrays: dict, attrs: dict) -> None:
    import h5py

    try:
        target = AtomicTarget(dst)
    except OSError as exc:
        raise DataError(f"{dst}: cannot write there ({exc.strerror}); choose another --out") from None
    try:
        with target as tmp, h5py.File(tmp, "w") as out:
            for name, value in attrs.items():
                out.attrs[name] = value
            for name, array in arrays.items():
                out.create_dataset(name, data=array)
    except OSError as exc:
        raise DataError(f"{dst}: writing the table failed ({exc}); check the free space or choose another --out") from None


def convert_nb101(
    src: str | os.PathLike,
    dst: str | os.PathLike | None = None,
    *,
    progress: bool = True,
    jobs: int | None = None,
    key: KeyFunction | None = None,
) -> Path:
    """Convert the official TFRecord `src` into the HDF5 table `dst` (default data/nasbench101.h5;
    a folder gets that file name).

    `jobs` processes decode the file (default: the available cores, one for small files);
    `key` computes a cell's module hash (default: the NB101 search space's key). Raises
    `DataError` for anything wrong with the file; nothing is written unless all went well.
    Uneven repeat counts give an `NB101DataWarning` and NaN for the missing repeats.
    """
    import multiprocessing  # here: opening a table (which reads this module's constants) needs none

    from benchlab.processes import default_jobs

    src = Path(src)
    dst = Path(dst) if dst is not None else default_output()
    if dst.is_dir():
        dst = dst / DEFAULT_NAME
    size = _check_source(src)
    if jobs is None:
        jobs = default_jobs() if size >= _PARALLEL_FROM else 1  # the CPUs this process may use, on every OS
    if multiprocessing.current_process().daemon:  # e.g. inside a multiprocessing.Pool: no children allowed
        jobs = 1
    bar = _Progress(size, progress, f"converting {src.name}")
    try:
        data, sha256 = _decode_file(src, size, jobs, bar)
    finally:
        bar.close()
    if len(data["hash"]) == 0:
        raise DataError(f"{src}: holds no records; download it again")
    arrays, attrs, first = _build_table(src, data)
    _check_hashes(src, arrays, attrs, first, data["offset"], key, jobs, progress)
    attrs.update(
        format=FORMAT, format_version=FORMAT_VERSION, source_name=src.name, source_sha256=sha256
    )
    _write_hdf5(dst, arrays, attrs)
    return dst
