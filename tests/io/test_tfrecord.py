import pytest

from benchlab.errors import DataError
from benchlab.io.tfrecord import encode_frame, masked_crc32c, read_frames, scan_frames, write_frames

PAYLOADS = [b"", b"a", b"hello world" * 10, bytes(range(256))]


def test_masked_crc32c_matches_tensorflow_values():
    # CRC32C(b"") = 0 and CRC32C(b"123456789") = 0xE3069283 (the standard check value);
    # TensorFlow masks with a 15-bit rotation plus 0xA282EAD8.
    assert masked_crc32c(b"") == 0xA282EAD8
    crc = 0xE3069283
    assert masked_crc32c(b"123456789") == ((((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF)


def test_round_trip_with_indices_and_offsets(tmp_path):
    path = tmp_path / "x.tfrecord"
    assert write_frames(path, PAYLOADS) == len(PAYLOADS)
    frames = list(read_frames(path))
    assert [f.payload for f in frames] == PAYLOADS
    assert [f.index for f in frames] == list(range(len(PAYLOADS)))
    expected_offsets = [0]
    for payload in PAYLOADS[:-1]:
        expected_offsets.append(expected_offsets[-1] + 16 + len(payload))
    assert [f.offset for f in frames] == expected_offsets


def test_scan_gives_split_points_that_read_the_same_frames(tmp_path):
    path = tmp_path / "x.tfrecord"
    payloads = [str(i).encode() * (i % 7) for i in range(25)]
    write_frames(path, payloads)
    starts, total = scan_frames(path, every=10)
    assert total == 25 and [s[0] for s in starts] == [0, 10, 20]
    pieces = [list(read_frames(path, start=s, count=10)) for s in starts]
    assert [f.payload for piece in pieces for f in piece] == payloads
    assert pieces[2][0].offset == list(read_frames(path))[20].offset


@pytest.mark.parametrize("cut", [5, 12 + 3 + 16, 60])
def test_truncated_file_names_record_and_offset(tmp_path, cut):
    path = tmp_path / "x.tfrecord"
    data = b"".join(encode_frame(p) for p in (b"abc", b"0123456789" * 4))
    path.write_bytes(data[: len(data) - cut])
    with pytest.raises(DataError, match=r"x\.tfrecord: record \d+ at byte \d+: truncated") as err:
        list(read_frames(path))
    second = 16 + 3
    assert ("record 1 at byte 19" if len(data) - cut > second else "record 0 at byte 0") in str(err.value)
    with pytest.raises(DataError, match="truncated"):
        scan_frames(path)


@pytest.mark.parametrize("position, what", [(3, "length checksum"), (16 + 3 + 12 + 2, "payload checksum")])
def test_flipped_byte_fails_the_crc(tmp_path, position, what):
    path = tmp_path / "x.tfrecord"
    data = bytearray(b"".join(encode_frame(p) for p in (b"abc", b"0123456789")))
    if position < 16:  # in the first frame's length: point it at the second frame instead
        position += 16 + 3
    data[position] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match=f"record 1 at byte 19: {what}"):
        list(read_frames(path))


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        list(read_frames(tmp_path / "absent.tfrecord"))
    with pytest.raises(DataError, match="is a folder"):
        list(read_frames(tmp_path))


def test_file_of_another_kind_is_rejected(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("just some text that is long enough to hold a header\n")
    with pytest.raises(DataError, match="record 0 at byte 0: length checksum"):
        list(read_frames(path))


def test_every_frame_of_the_real_files_has_valid_crcs(shared_nb101_dir):
    counts = {}
    for name in ("energy_4V9E", "energy_5V9E"):
        frames = list(read_frames(shared_nb101_dir / f"{name}.tfrecord"))
        counts[name] = len(frames)
        assert frames[-1].offset + 16 + len(frames[-1].payload) == (shared_nb101_dir / f"{name}.tfrecord").stat().st_size
    assert counts == {"energy_4V9E": 1092, "energy_5V9E": 2532}
