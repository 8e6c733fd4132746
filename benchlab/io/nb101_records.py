"""NAS-Bench-101 records: the JSON payload of each TFRecord frame and its ModelMetrics protobuf.

Payload (UTF-8 JSON list): `[module_hash, epochs, adjacency_digits, "op,op,...", base64(ModelMetrics)]`
with the adjacency as its row-major 0/1 digits.

    message ModelMetrics   { repeated EvaluationData evaluation_data = 1;
                             int32 trainable_parameters = 2; double total_time = 3; }
    message EvaluationData { double current_epoch = 1; double training_time = 2;
                             double train_accuracy = 3; double validation_accuracy = 4;
                             double test_accuracy = 5; string checkpoint_path = 6; }

The protobuf is decoded by hand (a varint and wire-type reader of a few dozen lines): the
alternative is a generated module from a `.proto` compiler plus the protobuf runtime, or
TensorFlow, for two flat messages. Fields this reader does not use are skipped by their wire
type, so files that add fields (or reuse a number with another type, as some NB101-format
files do) still read. Evaluations: entry 0 is step 0, entry 1 is "halfway", entry 2 "final".
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
import re
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from benchlab.errors import DataError
from benchlab.io.tfrecord import read_frames, write_frames

HALFWAY, FINAL = 1, 2  # indices into NB101Record.evaluations, as the official API uses them

_DOUBLE = struct.Struct("<d")
# The layout every EvaluationData of the official writer starts with: tags 0x09, 0x11, 0x19, 0x21,
# 0x29, each followed by a little-endian double. Recognising it reads five fields in one call.
_FIVE_DOUBLES = struct.Struct("<xdxdxdxdxd")
_FIVE_TAGS = b"\x09\x11\x19\x21\x29"
_HASH = re.compile(r"[0-9a-f]{32}")
# Fast paths for the exact layout the official writer produces; anything else takes the general
# path (json / field-by-field protobuf), which gives the same values. They matter at full size:
# 1.27 M records, where the general paths are most of the conversion time.
# json.dumps of the five fields (the base64 text's only escape is its line breaks; any other
# byte in it fails the base64 check, as it would after json.loads):
_OFFICIAL_PAYLOAD = re.compile(
    rb'\["([0-9a-f]{32})", ([1-9][0-9]{0,8}), "([01]+)", "([a-z0-9,-]+)", "([^"\\]*(?:\\n[^"\\]*)*)"\]'
)
# ModelMetrics as repeated 45-byte EvaluationData (five doubles), trainable_parameters, total_time:
_OFFICIAL_METRICS = re.compile(
    rb"((?:\x0a\x2d\x09.{8}\x11.{8}\x19.{8}\x21.{8}\x29.{8})*)\x10([\x80-\xff]{0,9}[\x00-\x7f])\x19(.{8})", re.S
)
_NAN = math.nan


class EvaluationData(NamedTuple):
    current_epoch: float = _NAN
    training_time: float = _NAN
    train_accuracy: float = _NAN
    validation_accuracy: float = _NAN
    test_accuracy: float = _NAN


@dataclass(frozen=True, eq=False)
class NB101Record:
    index: int  # record number in the file, from 0
    offset: int  # byte offset of its frame
    module_hash: str
    epochs: int
    matrix: np.ndarray  # (V, V) uint8 as stored
    ops: tuple[str, ...]
    trainable_parameters: int
    total_time: float
    evaluations: tuple[EvaluationData, ...]


class RecordError(ValueError):
    """A payload that breaks the layout; callers add the file, record number and offset."""


# -- protobuf wire format ---------------------------------------------------------------------
def _varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= end:
            raise RecordError("malformed metrics protobuf (truncated varint)")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise RecordError("malformed metrics protobuf (varint longer than 10 bytes)")


def _fields(buf: bytes, pos: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """Yield (field number, wire type, value start, value end or varint value) for each field."""
    while pos < end:
        tag = buf[pos]
        if tag < 0x80:
            pos += 1
        else:
            tag, pos = _varint(buf, pos, end)
        number, wire = tag >> 3, tag & 7
        if number == 0:
            raise RecordError("malformed metrics protobuf (field number 0)")
        if wire == 1:
            start, pos = pos, pos + 8
        elif wire == 0:
            value, pos = _varint(buf, pos, end)
            yield number, wire, value, value
            continue
        elif wire == 2:
            length, start = _varint(buf, pos, end)
            pos = start + length
        elif wire == 5:
            start, pos = pos, pos + 4
        else:  # 3/4 are the deprecated groups, 6/7 do not exist
            raise RecordError(f"malformed metrics protobuf (wire type {wire} in field {number})")
        if pos > end:
            raise RecordError(f"malformed metrics protobuf (field {number} runs past the end)")
        yield number, wire, start, pos


def _expect(number: int, wire: int, wanted: int) -> None:
    if wire != wanted:
        raise RecordError(f"malformed metrics protobuf (field {number} has wire type {wire}, expected {wanted})")


def _decode_evaluation(buf: bytes, pos: int, end: int) -> EvaluationData:
    values = [_NAN] * 5
    if end - pos >= 45 and buf[pos : pos + 45 : 9] == _FIVE_TAGS:
        values[:] = _FIVE_DOUBLES.unpack_from(buf, pos)
        pos += 45
    for number, wire, start, _ in _fields(buf, pos, end):
        if number <= 5:
            _expect(number, wire, 1)
            values[number - 1] = _DOUBLE.unpack_from(buf, start)[0]
    return EvaluationData(*values)


def _int32(varint_value: int) -> int:
    """An int32 field's value: negatives travel as 10-byte (64-bit two's complement) varints."""
    return varint_value - (1 << 64) if varint_value >= 1 << 63 else varint_value


def _official_parameters(official: re.Match) -> int:
    varint = official.group(2)
    return _int32(varint[0] if len(varint) == 1 else _varint(varint, 0, len(varint))[0])


def decode_model_metrics(data: bytes) -> tuple[tuple[EvaluationData, ...], int, float]:
    """(evaluations, trainable_parameters, total_time) of a ModelMetrics message.

    Absent doubles are NaN and absent trainable_parameters 0 (the protobuf default).
    """
    official = _OFFICIAL_METRICS.fullmatch(data)
    if official is not None:
        return (
            tuple(EvaluationData._make(_FIVE_DOUBLES.unpack_from(data, p + 2)) for p in range(0, official.end(1), 47)),
            _official_parameters(official),
            _DOUBLE.unpack(official.group(3))[0],
        )
    evaluations = []
    params = 0
    total_time = _NAN
    for number, wire, start, stop in _fields(data, 0, len(data)):
        if number == 1:
            _expect(number, wire, 2)
            evaluations.append(_decode_evaluation(data, start, stop))
        elif number == 2:
            _expect(number, wire, 0)
            params = _int32(start)
        elif number == 3:
            _expect(number, wire, 1)
            total_time = _DOUBLE.unpack_from(data, start)[0]
    return tuple(evaluations), params, total_time


_NAN5 = (_NAN,) * 5


def decode_halfway_final(data: bytes) -> tuple[tuple, tuple, int]:
    """(halfway 5 values, final 5 values, trainable_parameters) of a ModelMetrics message, in
    EvaluationData's field order, NaN where an evaluation is absent: what a table stores,
    without building the record's objects."""
    official = _OFFICIAL_METRICS.fullmatch(data)
    if official is None:
        evaluations, params, _ = decode_model_metrics(data)
        n = len(evaluations)
        return (evaluations[HALFWAY] if n > HALFWAY else _NAN5), (evaluations[FINAL] if n > FINAL else _NAN5), params
    n = official.end(1) // 47
    return (
        _FIVE_DOUBLES.unpack_from(data, 47 * HALFWAY + 2) if n > HALFWAY else _NAN5,
        _FIVE_DOUBLES.unpack_from(data, 47 * FINAL + 2) if n > FINAL else _NAN5,
        _official_parameters(official),
    )


def _encode_varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def encode_model_metrics(
    evaluations: Iterable[EvaluationData], trainable_parameters: int, total_time: float, extra: bytes = b""
) -> bytes:
    """The ModelMetrics protobuf as the official writer lays it out; `extra` is appended verbatim
    (already-encoded fields, used by tests to add fields a reader must skip)."""
    parts = []
    for evaluation in evaluations:
        body = b"".join(
            bytes((tag,)) + _DOUBLE.pack(value)
            for tag, value in zip(_FIVE_TAGS, evaluation)
            if not math.isnan(value)
        )
        parts.append(b"\x0a" + _encode_varint(len(body)) + body)
    parts.append(b"\x10" + _encode_varint(int(trainable_parameters)))
    if not math.isnan(total_time):
        parts.append(b"\x19" + _DOUBLE.pack(total_time))
    parts.append(extra)
    return b"".join(parts)


# -- payload ----------------------------------------------------------------------------------
def parse_payload(payload: bytes) -> tuple[str, int, str, str, bytes]:
    """(module_hash, epochs, adjacency_digits, ops_text, metrics protobuf bytes), checked.

    Checks the shape of each field, that the digits are 0/1 and that their count is the square
    of the number of ops; cell rules (upper-triangular, connected, ...) belong to the space.
    """
    official = _OFFICIAL_PAYLOAD.fullmatch(payload)
    if official is not None:
        module_hash, epochs, digits, ops_text, metrics = official.groups()
        module_hash, digits, ops_text = module_hash.decode(), digits.decode(), ops_text.decode()
        epochs = int(epochs)
        metrics = metrics.replace(b"\\n", b"")
    else:
        module_hash, epochs, digits, ops_text, metrics = _parse_json_payload(payload)
    n_ops = ops_text.count(",") + 1
    if len(digits) != n_ops * n_ops or digits.strip("01"):
        raise RecordError(
            f"adjacency {digits!r} is not the {n_ops}x{n_ops} 0/1 matrix that {n_ops} operations need"
        )
    try:
        raw = base64.b64decode(metrics, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RecordError(f"metrics field is not valid base64 ({exc})") from None
    return module_hash, epochs, digits, ops_text, raw


def _parse_json_payload(payload: bytes) -> tuple[str, int, str, str, str]:
    try:
        fields = json.loads(payload)
    except (UnicodeDecodeError, ValueError) as exc:
        raise RecordError(f"payload is not valid JSON ({exc})") from None
    except RecursionError:  # a CRC-valid frame can still hold JSON nested thousands deep
        raise RecordError("payload is not the expected JSON (nested too deeply)") from None
    if type(fields) is not list or len(fields) != 5:
        raise RecordError("payload is not the JSON list [module_hash, epochs, adjacency, operations, metrics]")
    module_hash, epochs, digits, ops_text, metrics = fields
    if type(module_hash) is not str or not _HASH.fullmatch(module_hash):
        raise RecordError(f"module_hash {module_hash!r} is not 32 lowercase hex digits")
    if type(epochs) is not int or epochs <= 0:
        raise RecordError(f"epochs {epochs!r} is not a positive integer")
    if type(ops_text) is not str or type(digits) is not str or type(metrics) is not str:
        raise RecordError("adjacency, operations and metrics must be strings")
    return module_hash, epochs, digits, ops_text, metrics.replace("\n", "")


def digits_to_matrix(digits: str) -> np.ndarray:
    n = math.isqrt(len(digits))
    return (np.frombuffer(digits.encode("ascii"), dtype=np.uint8) - ord("0")).reshape(n, n)


def decode_record(payload: bytes, index: int = 0, offset: int = 0) -> NB101Record:
    module_hash, epochs, digits, ops_text, raw = parse_payload(payload)
    evaluations, params, total_time = decode_model_metrics(raw)
    return NB101Record(
        index=index,
        offset=offset,
        module_hash=module_hash,
        epochs=epochs,
        matrix=digits_to_matrix(digits),
        ops=tuple(ops_text.split(",")),
        trainable_parameters=params,
        total_time=total_time,
        evaluations=evaluations,
    )


def record_error(path: str | os.PathLike, index: int, offset: int, problem: str) -> DataError:
    return DataError(
        f"{path}: record {index} at byte {offset}: {problem}; the file is not a valid NAS-Bench-101 "
        "record file, download it again"
    )


def read_nb101_records(path: str | os.PathLike) -> Iterator[NB101Record]:
    """Every record of an official NAS-Bench-101 TFRecord file, in file order."""
    for index, offset, payload in read_frames(path):
        try:
            yield decode_record(payload, index, offset)
        except RecordError as exc:
            raise record_error(path, index, offset, str(exc)) from None


def encode_record(record: NB101Record, extra_metrics: bytes = b"") -> bytes:
    """The JSON payload of one record, laid out as the official files are (base64 with line breaks)."""
    matrix = np.asarray(record.matrix, dtype=np.uint8)
    metrics = encode_model_metrics(record.evaluations, record.trainable_parameters, record.total_time, extra_metrics)
    fields = [
        record.module_hash,
        int(record.epochs),
        "".join(map(str, matrix.ravel().tolist())),
        ",".join(record.ops),
        base64.encodebytes(metrics).decode("ascii"),
    ]
    return json.dumps(fields).encode("utf-8")


def write_nb101_records(path: str | os.PathLike, records: Iterable[NB101Record]) -> int:
    """Write records in the official TFRecord layout; returns the number written."""
    return write_frames(Path(path), (encode_record(record) for record in records))
