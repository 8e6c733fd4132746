import base64
import json
import math
import struct

import numpy as np
import pytest

from benchlab.errors import DataError
from benchlab.io.nb101_records import (
    EvaluationData,
    NB101Record,
    RecordError,
    decode_halfway_final,
    decode_model_metrics,
    encode_model_metrics,
    encode_record,
    parse_payload,
    read_nb101_records,
    write_nb101_records,
)
from benchlab.io.tfrecord import read_frames, write_frames

EVALS = (
    EvaluationData(0.0, 0.0, 0.1, 0.11, 0.09),
    EvaluationData(54.0, 1000.5, 0.8, 0.75, 0.74),
    EvaluationData(108.0, 2001.25, 1.0, 0.93, 0.925),
)
MATRIX = np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0]], dtype=np.uint8)
OPS = ("input", "maxpool3x3", "output")


def make_record(**changes) -> NB101Record:
    fields = dict(
        index=0, offset=0, module_hash="0123456789abcdef0123456789abcdef", epochs=108, matrix=MATRIX, ops=OPS,
        trainable_parameters=2_694_282, total_time=2050.5, evaluations=EVALS,
    )
    fields.update(changes)
    return NB101Record(**fields)


def field(number: int, wire: int, value: bytes) -> bytes:
    return bytes([number << 3 | wire]) + value


def test_metrics_round_trip():
    data = encode_model_metrics(EVALS, 2_694_282, 2050.5)
    assert decode_model_metrics(data) == (EVALS, 2_694_282, 2050.5)


def test_absent_values_are_nan_and_negative_int32_decodes():
    partial = EvaluationData(current_epoch=4.0, test_accuracy=0.5)
    evaluations, params, total = decode_model_metrics(encode_model_metrics([partial], -7, math.nan))
    assert params == -7 and math.isnan(total)
    assert evaluations[0].current_epoch == 4.0 and evaluations[0].test_accuracy == 0.5
    assert math.isnan(evaluations[0].train_accuracy) and math.isnan(evaluations[0].training_time)


def test_unknown_fields_of_every_wire_type_are_skipped():
    # Field 6 of EvaluationData carried as a double (the shared files reuse it), plus unknown
    # varint, fixed64, length-delimited and fixed32 fields at both levels.
    odd_evaluation = (
        field(9, 0, b"\x96\x01") + encode_model_metrics([EVALS[0]], 0, math.nan)[2:-2] + field(6, 1, struct.pack("<d", 3.5))
    )
    top = b"\x0a" + bytes([len(odd_evaluation)]) + odd_evaluation
    extra = field(4, 1, struct.pack("<d", 1.5)) + field(5, 2, b"\x03abc") + field(8, 5, b"\x00\x00\x80?") + field(9, 0, b"\x01")
    data = top + encode_model_metrics(EVALS[1:], 12, 3.0, extra=extra)
    evaluations, params, total = decode_model_metrics(data)
    assert evaluations == EVALS and params == 12 and total == 3.0


@pytest.mark.parametrize(
    "data, problem",
    [
        (b"\x10\xff", "truncated varint"),
        (b"\x10" + b"\xff" * 11, "longer than 10 bytes"),
        (b"\x0b\x00", "wire type 3"),
        (b"\x0a\x20\x09", "runs past the end"),
        (b"\x19\x00\x00", "runs past the end"),
        (b"\x11" + b"\x00" * 8, "field 2 has wire type 1, expected 0"),
        (b"\x00\x01", "field number 0"),
    ],
)
def test_malformed_protobuf(data, problem):
    with pytest.raises(RecordError, match=problem):
        decode_model_metrics(data)


def test_payload_round_trip_matches_official_layout():
    payload = encode_record(make_record())
    fields = json.loads(payload)
    assert fields[:4] == ["0123456789abcdef0123456789abcdef", 108, "011001000", "input,maxpool3x3,output"]
    assert "\n" in fields[4] or len(fields[4]) <= 76  # base64 with line breaks, as the official files
    module_hash, epochs, digits, ops, raw = parse_payload(payload)
    assert (module_hash, epochs, digits, ops) == tuple(fields[:4])
    assert decode_model_metrics(raw) == (EVALS, 2_694_282, 2050.5)


def test_write_and_read_records(tmp_path):
    path = tmp_path / "r.tfrecord"
    records = [make_record(epochs=e, module_hash=f"{e:032x}") for e in (4, 12, 36)]
    assert write_nb101_records(path, records) == 3
    back = list(read_nb101_records(path))
    assert [r.epochs for r in back] == [4, 12, 36]
    assert [r.index for r in back] == [0, 1, 2]
    assert back[1].offset == 16 + len(encode_record(records[0]))
    for r in back:
        assert np.array_equal(r.matrix, MATRIX) and r.ops == OPS and r.evaluations == EVALS
        assert r.trainable_parameters == 2_694_282 and r.total_time == 2050.5


def good_payload() -> list:
    return json.loads(encode_record(make_record()))


@pytest.mark.parametrize(
    "payload, problem",
    [
        (b'["0123456789abcdef0123456789abcdef", 108, "0110', "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (json.dumps({"a": 1}).encode(), "not the JSON list"),
        (json.dumps(good_payload()[:4]).encode(), "not the JSON list"),
        (json.dumps(["XYZ"] + good_payload()[1:]).encode(), "not 32 lowercase hex digits"),
        (json.dumps(good_payload()[:1] + [-4] + good_payload()[2:]).encode(), "not a positive integer"),
        (json.dumps(good_payload()[:2] + ["0120"] + good_payload()[3:]).encode(), "not the 3x3 0/1 matrix"),
        (json.dumps(good_payload()[:4] + ["!!!not base64!!!"]).encode(), "not valid base64"),
        (json.dumps(good_payload()[:4] + ["abc"]).encode(), "not valid base64"),
        (json.dumps(good_payload()[:4] + [base64.b64encode(b"\x0b\x00").decode()]).encode(), "wire type 3"),
    ],
)
def test_bad_payload_names_file_record_and_offset(tmp_path, payload, problem):
    path = tmp_path / "bad.tfrecord"
    good = encode_record(make_record())
    write_frames(path, [good, good, payload])
    with pytest.raises(DataError, match=rf"bad\.tfrecord: record 2 at byte {2 * (16 + len(good))}: .*{problem}"):
        list(read_nb101_records(path))


def test_real_files_decode_with_three_evaluations(shared_nb101_dir):
    records = list(read_nb101_records(shared_nb101_dir / "energy_4V9E.tfrecord"))
    assert len(records) == 1092
    assert {r.epochs for r in records} == {4, 12, 36, 108}
    assert all(len(r.evaluations) == 3 for r in records)
    for r in records:
        final = r.evaluations[2]
        assert final.current_epoch == r.epochs
        assert 0 < final.test_accuracy <= 1 and 0 < final.validation_accuracy <= 1 and final.training_time > 0
        assert r.evaluations[0].current_epoch == 0
        assert r.matrix.shape == (len(r.ops), len(r.ops)) and r.ops[0] == "input" and r.ops[-1] == "output"
        assert r.trainable_parameters > 0
    five = list(read_nb101_records(shared_nb101_dir / "energy_5V9E.tfrecord"))
    assert len(five) == 2532 and {r.epochs for r in five} == {4}
    assert len({r.module_hash for r in five}) == 2532


def test_fast_paths_agree_with_the_general_decoders(tmp_path, monkeypatch):
    from benchlab.io import nb101_records
    from tests.io.synthetic_nb101 import small_nb101_file

    path = tmp_path / "s.tfrecord"
    small_nb101_file(path, 5)
    records = [make_record(trainable_parameters=p) for p in (0, 127, 128, 2**31 - 1, -5)]
    write_nb101_records(tmp_path / "r.tfrecord", records)
    paths = [path, tmp_path / "r.tfrecord"]

    def decoded():
        return [(r.module_hash, r.epochs, r.matrix.tolist(), r.ops, r.trainable_parameters, r.total_time, r.evaluations)
                for p in paths for r in read_nb101_records(p)]

    def summaries():
        return [nb101_records.decode_halfway_final(parse_payload(f.payload)[4]) for p in paths for f in read_frames(p)]

    fast, fast_summaries = decoded(), summaries()
    assert fast_summaries[-1] == (tuple(EVALS[1]), tuple(EVALS[2]), -5)
    assert nb101_records._OFFICIAL_PAYLOAD.fullmatch(encode_record(records[0]))
    assert nb101_records._OFFICIAL_METRICS.fullmatch(encode_model_metrics(EVALS, 2, 3.0))
    never = __import__("re").compile(rb"(?!)")
    monkeypatch.setattr(nb101_records, "_OFFICIAL_PAYLOAD", never)
    monkeypatch.setattr(nb101_records, "_OFFICIAL_METRICS", never)
    assert decoded() == fast and summaries() == fast_summaries
    assert [r[4] for r in fast[-5:]] == [0, 127, 128, 2**31 - 1, -5]


finite = __import__("hypothesis.strategies", fromlist=["floats"]).floats(allow_nan=False, width=64)


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _unknown_field(draw_data):
    """An encoded field numbered 6..3000 of any wire type, as files with extra fields carry them."""
    from hypothesis import strategies as st

    number = draw_data.draw(st.integers(6, 3000))
    wire = draw_data.draw(st.sampled_from([0, 1, 2, 5]))
    if wire == 0:
        body = _varint(draw_data.draw(st.integers(0, 2**64 - 1)))
    elif wire == 2:
        text = draw_data.draw(st.binary(max_size=300))
        body = _varint(len(text)) + text
    else:
        size = 8 if wire == 1 else 4
        body = draw_data.draw(st.binary(min_size=size, max_size=size))
    return _varint(number << 3 | wire) + body


def test_metrics_round_trip_with_unknown_fields_property():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    evaluation = st.builds(EvaluationData, finite, finite, finite, finite, finite)

    @settings(max_examples=150, deadline=None)
    @given(st.lists(evaluation, max_size=4), st.integers(-(2**31), 2**31 - 1), finite, st.data())
    def check(evaluations, params, total, data):
        extra = b"".join(_unknown_field(data) for _ in range(data.draw(st.integers(0, 3))))
        decoded = decode_model_metrics(encode_model_metrics(evaluations, params, total, extra=extra))
        assert decoded == (tuple(evaluations), params, total)

    check()


def test_any_bytes_decode_or_raise_record_error():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    valid = encode_model_metrics(EVALS, 2_694_282, 2050.5)

    @settings(max_examples=300, deadline=None)
    @given(st.one_of(st.binary(max_size=200), st.builds(lambda i, b: valid[:i] + b + valid[i + 1 :],
                                                         st.integers(0, len(valid)), st.binary(max_size=3))))
    def check(data):
        try:
            decode_model_metrics(data)
            decode_halfway_final(data)
        except RecordError:
            pass  # becomes a DataError naming the record; anything else would be a crash

    check()


def test_any_payload_parses_or_raises_record_error():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    valid = encode_record(make_record())

    @settings(max_examples=300, deadline=None)
    @given(st.one_of(st.binary(max_size=100), st.builds(lambda i, b: valid[:i] + b + valid[i + 1 :],
                                                         st.integers(0, len(valid)), st.binary(max_size=3))))
    def check(payload):
        try:
            parse_payload(payload)
        except RecordError:
            pass

    check()
