import dataclasses
import hashlib
import warnings

import h5py
import numpy as np
import pytest

from benchlab.errors import DataError
from benchlab.io import nb101_assemble, nb101_convert, nb101_decode
from benchlab.io.nb101_convert import NB101DataWarning, convert_nb101
from benchlab.io.nb101_records import read_nb101_records, write_nb101_records
from benchlab.io.tfrecord import read_frames, write_frames
from benchlab.spaces.nb101 import LABELS, official_module_hash
from tests.io.synthetic_nb101 import OPS, official_hashes, small_nb101_file



@pytest.fixture
def small_file(tmp_path):
    src = tmp_path / "small.tfrecord"
    info = small_nb101_file(src, 12, hashes=official_hashes(12))
    return src, info


def read_table(path):
    with h5py.File(path, "r") as h5:
        return {name: h5[name][()] for name in h5}, dict(h5.attrs)


def only_source_left(folder, src):
    return sorted(p.name for p in folder.iterdir()) == [src.name]


def test_table_holds_exactly_what_was_written(small_file, tmp_path):
    src, info = small_file
    dst = convert_nb101(src, tmp_path / "out" / "t.h5", progress=False)
    arrays, attrs = read_table(dst)
    assert attrs["format"] == "benchlab-nb101" and attrs["format_version"] == 1
    assert attrs["source_name"] == "small.tfrecord"
    assert attrs["source_sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    assert list(attrs["epochs"]) == [4, 12] and attrs["repeats"] == 3
    assert attrs["max_vertices"] == 5 and attrs["max_edges"] == 9
    assert [h.decode() for h in arrays["hash"]] == info["hashes"]  # order of first appearance
    assert np.array_equal(arrays["metrics"], info["metrics"])  # bit-exact doubles
    assert np.array_equal(arrays["trainable_parameters"], info["params"])
    assert np.array_equal(arrays["adjacency"], info["matrices"])
    assert np.array_equal(arrays["num_vertices"], np.full(12, 5))
    assert np.array_equal(arrays["ops"][:, 1:4], info["ops"])
    assert (arrays["ops"][:, 0] == -1).all() and (arrays["ops"][:, 4] == -2).all()
    assert np.array_equal(arrays["current_epoch"][:, :, :, 1], np.broadcast_to([[4.0], [12.0]], (12, 2, 3)))
    assert np.array_equal(arrays["current_epoch"][:, :, :, 0], np.broadcast_to([[2.0], [6.0]], (12, 2, 3)))
    assert arrays["hash"].dtype == "S32" and arrays["ops"].dtype == np.int8
    assert arrays["metrics"].shape == (12, 2, 3, 2, 4)


def test_parallel_decoding_and_checking_give_the_same_table(small_file, tmp_path, monkeypatch):
    src, _ = small_file
    serial = read_table(convert_nb101(src, tmp_path / "serial.h5", progress=False, jobs=1))
    monkeypatch.setattr(nb101_decode, "_SPAN", 7)  # 72 records: 11 spans
    monkeypatch.setattr(nb101_assemble, "_CHECK_CHUNK", 5)  # 12 cells: 3 chunks
    parallel = read_table(convert_nb101(src, tmp_path / "parallel.h5", progress=False, jobs=2))
    assert serial[1].keys() == parallel[1].keys()
    for name, value in serial[1].items():
        assert np.array_equal(value, parallel[1][name]), name
    for name, array in serial[0].items():
        assert np.array_equal(array, parallel[0][name], equal_nan=array.dtype.kind == "f"), name


def test_parallel_check_reports_the_first_wrong_hash(tmp_path, monkeypatch):
    src = tmp_path / "x.tfrecord"
    hashes = official_hashes(12)
    hashes[9] = "f" * 32
    small_nb101_file(src, 12, hashes=hashes)
    monkeypatch.setattr(nb101_assemble, "_CHECK_CHUNK", 4)
    with pytest.raises(DataError, match=r"record 9 at byte \d+: module_hash f{32} differs from the hash of its cell"):
        convert_nb101(src, tmp_path / "t.h5", progress=False, jobs=2)
    assert only_source_left(tmp_path, src)


def test_uneven_repeats_warn_and_leave_nan(small_file, tmp_path):
    src, info = small_file
    frames = [f.payload for f in read_frames(src)]
    write_frames(src, frames[:-1])  # the last cell's third repeat at 12 epochs is gone
    with pytest.warns(NB101DataWarning, match=r"repeat counts differ: most .* have 3 repeats, but 1 with 2 \(e\.g\. "
                      + info["hashes"][-1] + " at 12 epochs has 2\\)"):
        dst = convert_nb101(src, tmp_path / "t.h5", progress=False)
    arrays, attrs = read_table(dst)
    assert attrs["repeats"] == 3
    assert np.isnan(arrays["metrics"][-1, 1, 2]).all() and np.isnan(arrays["current_epoch"][-1, 1, 2]).all()
    assert np.array_equal(arrays["metrics"][-1, 1, :2], info["metrics"][-1, 1, :2])


def test_even_repeats_do_not_warn(small_file, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", NB101DataWarning)
        convert_nb101(small_file[0], tmp_path / "t.h5", progress=False)


def rewrite(src, index, **changes):
    records = list(read_nb101_records(src))
    records[index] = dataclasses.replace(records[index], **changes)
    write_nb101_records(src, records)
    return records


def test_one_hash_with_two_cells_is_an_error(small_file, tmp_path):
    src, info = small_file
    records = rewrite(src, 12 * 2 + 3, matrix=info["matrices"][4])  # repeat 1 of cell 3 gets cell 4's matrix
    with pytest.raises(DataError, match=rf"record 27 at byte {records[27].offset}: module_hash \w+ has another adjacency than record 3"):
        convert_nb101(src, tmp_path / "t.h5", progress=False)
    assert only_source_left(tmp_path, src)


def test_one_hash_with_two_parameter_counts_is_an_error(small_file, tmp_path):
    src, _ = small_file
    rewrite(src, 30, trainable_parameters=5)
    with pytest.raises(DataError, match="record 30 at byte .*another trainable_parameters than record 6"):
        convert_nb101(src, tmp_path / "t.h5", progress=False)


def test_wrong_hash_is_an_error(tmp_path):
    src = tmp_path / "x.tfrecord"
    small_nb101_file(src, 4)  # stand-in hashes
    with pytest.raises(DataError, match=r"x\.tfrecord: record 0 at byte 0: module_hash [0-9a-f]{32} differs from the hash"):
        convert_nb101(src, tmp_path / "t.h5", progress=False)
    assert only_source_left(tmp_path, src)


def test_invalid_cell_is_an_error(small_file, tmp_path):
    src, _ = small_file
    disconnected = np.zeros((5, 5), dtype=np.uint8)
    disconnected[0, 1] = disconnected[2, 4] = 1
    records = list(read_nb101_records(src))
    records = [dataclasses.replace(r, matrix=disconnected) if r.module_hash == records[2].module_hash else r for r in records]
    write_nb101_records(src, records)
    with pytest.raises(DataError, match=rf"record 2 at byte {records[2].offset}: invalid cell \(disconnected"):
        convert_nb101(src, tmp_path / "t.h5", progress=False)


def test_unknown_operation_is_an_error(small_file, tmp_path):
    src, _ = small_file
    records = rewrite(src, 5, ops=("input", "conv5x5", "maxpool3x3", "conv3x3-bn-relu", "output"))
    with pytest.raises(DataError, match=rf"record 5 at byte {records[5].offset}: unknown operation 'conv5x5'"):
        convert_nb101(src, tmp_path / "t.h5", progress=False)


def test_sources_of_another_kind(tmp_path):
    h5 = tmp_path / "table.h5"
    with h5py.File(h5, "w") as out:
        out["x"] = np.arange(3)
    with pytest.raises(DataError, match="table.h5: is an HDF5 file, not a NAS-Bench-101 .tfrecord"):
        convert_nb101(h5, tmp_path / "t.h5", progress=False)
    text = tmp_path / "notes.txt"
    text.write_text("hello, this is not a record file at all\n")
    with pytest.raises(DataError, match="notes.txt: record 0 at byte 0: length checksum"):
        convert_nb101(text, tmp_path / "t.h5", progress=False)
    empty = tmp_path / "empty.tfrecord"
    empty.write_bytes(b"")
    with pytest.raises(DataError, match="empty.tfrecord: the file is empty"):
        convert_nb101(empty, tmp_path / "t.h5", progress=False)
    with pytest.raises(DataError, match="absent.tfrecord: no such file"):
        convert_nb101(tmp_path / "absent.tfrecord", tmp_path / "t.h5", progress=False)
    with pytest.raises(DataError, match="is a folder"):
        convert_nb101(tmp_path, tmp_path / "t.h5", progress=False)
    assert not (tmp_path / "t.h5").exists()


def test_a_failure_while_writing_leaves_nothing(small_file, tmp_path, monkeypatch):
    src, _ = small_file

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(h5py.Group, "create_dataset", broken)
    with pytest.raises(DataError, match=r"t\.h5: writing the table failed \(disk full\); check the free space"):
        convert_nb101(src, tmp_path / "t.h5", progress=False)
    assert only_source_left(tmp_path, src)
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(DataError, match="cannot write there"):
        convert_nb101(src, blocker / "t.h5", progress=False)


def test_output_folder_gets_the_default_name(small_file, tmp_path):
    assert convert_nb101(small_file[0], tmp_path, progress=False) == tmp_path / "nasbench101.h5"


def test_default_output_is_the_data_folder(small_file, tmp_path, monkeypatch):
    monkeypatch.setenv("BENCHLAB_DATA_DIR", str(tmp_path / "data"))
    assert convert_nb101(small_file[0], progress=False) == tmp_path / "data" / "nasbench101.h5"
    assert (tmp_path / "data" / "nasbench101.h5").is_file()


@pytest.mark.parametrize(
    "name, cells, epochs, repeats",
    [
        ("energy_4V9E", 91, [4, 12, 36, 108], 3),
        pytest.param("energy_5V9E", 2532, [4], 1, marks=pytest.mark.slow),  # 2,532 oracle hashes: ~5 s
    ],
)
def test_real_files_round_trip_every_record(shared_nb101_dir, tmp_path, name, cells, epochs, repeats):
    src = shared_nb101_dir / f"{name}.tfrecord"
    arrays, attrs = read_table(convert_nb101(src, tmp_path / "t.h5", progress=False))
    assert len(arrays["hash"]) == cells and list(attrs["epochs"]) == epochs and attrs["repeats"] == repeats
    row_of = {h.decode(): i for i, h in enumerate(arrays["hash"])}
    seen: dict[tuple[int, int], int] = {}
    for record in read_nb101_records(src):
        row = row_of[record.module_hash]
        e = epochs.index(record.epochs)
        slot = seen.get((row, e), 0)
        seen[row, e] = slot + 1
        half, final = record.evaluations[1], record.evaluations[2]
        expected = [[half.train_accuracy, half.validation_accuracy, half.test_accuracy, half.training_time],
                    [final.train_accuracy, final.validation_accuracy, final.test_accuracy, final.training_time]]
        assert arrays["metrics"][row, e, slot].tolist() == expected
        assert arrays["current_epoch"][row, e, slot].tolist() == [half.current_epoch, final.current_epoch]
        v = len(record.ops)
        assert arrays["num_vertices"][row] == v
        assert np.array_equal(arrays["adjacency"][row, :v, :v], record.matrix)
        assert not arrays["adjacency"][row, v:].any() and (arrays["ops"][row, v:] == -3).all()
        labels = [LABELS[op] for op in record.ops]
        assert arrays["ops"][row, :v].tolist() == labels
        assert arrays["trainable_parameters"][row] == record.trainable_parameters
    assert sum(seen.values()) == attrs["num_records"]
    assert not np.isnan(arrays["metrics"]).any()  # both files are complete
    # the stored hashes equal the official algorithm's, recomputed from the stored cells
    for row in range(len(arrays["hash"])):
        v = arrays["num_vertices"][row]
        names = ["input", *(OPS[i] for i in arrays["ops"][row, 1 : v - 1]), "output"]
        assert official_module_hash(arrays["adjacency"][row, :v, :v], names) == arrays["hash"][row].decode()


def _convert_in_daemon(src, dst):
    return str(convert_nb101(src, dst, progress=False, jobs=2))


def test_converts_inside_a_daemonic_worker(small_file, tmp_path):
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(1) as pool:  # Pool workers are daemons
        assert pool.apply(_convert_in_daemon, (small_file[0], tmp_path / "t.h5")) == str(tmp_path / "t.h5")


def test_conversion_without_sched_getaffinity(small_file, tmp_path, monkeypatch):
    """Platforms without os.sched_getaffinity (macOS) count CPUs with os.cpu_count."""
    monkeypatch.delattr("os.sched_getaffinity", raising=False)
    monkeypatch.setattr(nb101_convert, "_PARALLEL_FROM", 0)  # the parallel path, whatever the size
    src, _ = small_file
    serial = read_table(convert_nb101(src, tmp_path / "serial.h5", progress=False, jobs=1))
    chosen = read_table(convert_nb101(src, tmp_path / "chosen.h5", progress=False))
    assert all(np.array_equal(a, chosen[0][name], equal_nan=a.dtype.kind == "f") for name, a in serial[0].items())
