"""Decoding an official NAS-Bench-101 TFRecord file into compact record arrays.

The file is decoded in parallel spans (one process per core) while this process hashes it;
each span becomes compact arrays, merged in file order, so that the first bad record is the
one reported.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from benchlab.io.nb101_records import RecordError, decode_halfway_final, parse_payload, record_error
from benchlab.io.tfrecord import read_frames, scan_frames

_SPAN = 65_536  # records per parallel work unit: a few MB of payload, a fraction of a second


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


class Progress:
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


def decode_file(path: Path, size: int, jobs: int, progress: Progress) -> tuple[dict, str]:
    """(merged record arrays, SHA-256 of the file). With several jobs the workers decode spans
    while this process hashes the file."""
    from benchlab.io.download import sha256_of  # here: reading a small file needs no download code
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
