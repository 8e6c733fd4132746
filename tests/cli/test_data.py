import base64
import hashlib
import json

import h5py
import numpy as np
import pytest

from benchlab.cli import main
from benchlab.io.tfrecord import read_frames, write_frames
from tests.io.synthetic_nb101 import official_hashes, small_nb101_file


@pytest.fixture
def good_file(tmp_path):
    src = tmp_path / "good.tfrecord"
    small_nb101_file(src, 6, hashes=official_hashes(6))
    return src


def test_convert(good_file, tmp_path, capsys):
    dst = tmp_path / "out" / "nb.h5"
    assert main(["data", "convert", "nb101", str(good_file), "--out", str(dst)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == str(dst)
    assert "6 cells, epochs 4, 12, 3 repeats, from 36 records" in err
    with h5py.File(dst) as h5:
        assert h5.attrs["format"] == "benchlab-nb101" and h5["metrics"].shape == (6, 2, 3, 2, 4)


def test_convert_prints_repeat_warnings(good_file, tmp_path, capsys):
    write_frames(good_file, [f.payload for f in read_frames(good_file)][:-1])
    assert main(["data", "convert", "nb101", str(good_file), "--out", str(tmp_path / "nb.h5"), "--quiet"]) == 0
    assert "benchlab: warning: " in capsys.readouterr().err


def payloads(src):
    return [f.payload for f in read_frames(src)]


def with_last_payload(src, change):
    frames = payloads(src)
    frames[-1] = change(frames[-1])
    write_frames(src, frames)


def set_metrics(payload: bytes, raw: bytes) -> bytes:
    fields = json.loads(payload)
    fields[4] = base64.encodebytes(raw).decode()
    return json.dumps(fields).encode()


def truncate(src):
    src.write_bytes(src.read_bytes()[:-10])


def flip_byte(src):
    data = bytearray(src.read_bytes())
    data[-30] ^= 0x20
    src.write_bytes(bytes(data))


def hdf5_instead(src):
    src.unlink()
    with h5py.File(src, "w") as h5:
        h5["x"] = np.zeros(3)


BAD_INPUTS = {
    "truncated": (truncate, r"record 35 at byte \d+: truncated record"),
    "flipped byte": (flip_byte, r"record 35 at byte \d+: payload checksum \(CRC32C\) mismatch"),
    "broken JSON": (lambda s: with_last_payload(s, lambda p: p[:-3]), r"record 35 at byte \d+: payload is not valid JSON"),
    "bad base64": (
        lambda s: with_last_payload(s, lambda p: p[: p.rindex(b'"') - 5] + b"*" + p[p.rindex(b'"') - 5 :]),
        r"record 35 at byte \d+: metrics field is not valid base64",
    ),
    "malformed protobuf": (
        lambda s: with_last_payload(s, lambda p: set_metrics(p, b"\x0a\x7f\x09")),
        r"record 35 at byte \d+: malformed metrics protobuf",
    ),
    "HDF5 file": (hdf5_instead, "is an HDF5 file, not a NAS-Bench-101 .tfrecord"),
    "text file": (lambda s: s.write_text("name,value\na,1\nb,2\n"), "record 0 at byte 0: length checksum"),
    "missing file": (lambda s: s.unlink(), "no such file"),
}


@pytest.mark.parametrize("spoil", list(BAD_INPUTS))
def test_bad_input_exits_2_with_one_line_and_no_output(good_file, tmp_path, capsys, spoil):
    change, message = BAD_INPUTS[spoil]
    change(good_file)
    out = tmp_path / "out"
    out.mkdir()
    assert main(["data", "convert", "nb101", str(good_file), "--out", str(out / "nb.h5"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("benchlab: error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert "good.tfrecord" in err
    assert __import__("re").search(message, err), err
    assert list(out.iterdir()) == []


def test_download_from_a_file_source(tmp_path, capsys):
    blob = b"not really nasbench" * 100
    source = tmp_path / "mirror.tfrecord"
    source.write_bytes(blob)
    sha = hashlib.sha256(blob).hexdigest()
    args = ["data", "download", "nb101", "--url", str(source), "--sha256", sha, "--out", str(tmp_path / "d"), "--quiet"]
    assert main(args) == 0
    assert (tmp_path / "d" / "nasbench_only108.tfrecord").read_bytes() == blob
    args = ["data", "download", "nb101", "--full", "--url", source.as_uri(), "--out", str(tmp_path / "e"), "--quiet"]
    assert main(args) == 2  # the official checksum of the full file does not match
    err = capsys.readouterr().err
    assert "expected 3d64db8180fb1b0207212f9032205064312b6907a3bbc81eabea10db2f5c7e9c" in err and err.count("\n") == 1
    assert list((tmp_path / "e").iterdir()) == []


def test_download_when_offline(tmp_path, capsys):
    args = ["data", "download", "nb101", "--url", "http://127.0.0.1:1/nasbench_only108.tfrecord", "--out", str(tmp_path), "--quiet"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "cannot reach the server" in err and err.count("\n") == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_download_into_an_impossible_folder(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    args = ["data", "download", "nb101", "--url", "http://127.0.0.1:1/x", "--out", str(tmp_path / "file" / "d"), "--quiet"]
    assert main(args) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
