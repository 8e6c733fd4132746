import math
import mmap
import pickle

import h5py
import numpy as np
import pytest

from benchlab.benchmarks import nb101
from benchlab.benchmarks.base import Observation
from benchlab.benchmarks.nb101 import NB101Benchmark, open_prefixed, registry_entries
from benchlab.compat.nasbench.official import metrics_by_hash, metrics_of_row, query_official
from benchlab.errors import DataError, InvalidArchitectureError, UserError
from benchlab.spaces.nb101 import Cell, NB101Space, official_module_hash
from tests.compat.nb101_tables import distinct_cells, isomorphic_variant, random_metrics, write_table

EPOCHS = (4, 12, 36, 108)


@pytest.fixture(scope="module")
def cells():
    return distinct_cells(40, seed=3)


@pytest.fixture(scope="module")
def metrics(cells):
    m = random_metrics(len(cells), EPOCHS, seed=4)
    m[5, 3, 2] = np.nan  # cell 5 has only two repeats at 108 epochs
    return m


@pytest.fixture(scope="module")
def table_path(tmp_path_factory, cells, metrics):
    return write_table(tmp_path_factory.mktemp("nb101") / "t.h5", cells, metrics, epochs=EPOCHS)


@pytest.fixture
def bench(table_path):
    return NB101Benchmark.open(table_path)


def test_fidelities_are_budgets_and_halfway_points(bench, metrics):
    assert bench.fidelities == (2, 4, 6, 12, 18, 36, 54, 108)
    assert bench.max_fidelity == 108 and bench.n_repeats == 3
    t = bench.table
    # column of 54 epochs = halfway entry of the 108-epoch runs, 108 = final entry
    assert np.array_equal(t.valid[:, 6], metrics[:, 3, :, 0, 1], equal_nan=True)
    assert np.array_equal(t.valid[:, 7], metrics[:, 3, :, 1, 1], equal_nan=True)
    assert np.array_equal(t.cost[:, 1], metrics[:, 0, :, 1, 3])
    assert np.array_equal(t.train[:, 0], metrics[:, 0, :, 0, 0])
    assert np.array_equal(t.test[:, 4], metrics[:, 2, :, 0, 2])


def test_query_returns_recorded_repeat_and_is_reproducible(bench, cells, metrics):
    cell = cells[7]
    obs = bench.query(cell, np.random.default_rng(1))
    assert obs.key == official_module_hash(cell, None)
    assert obs.fidelity == 108
    r = obs.repeat
    assert (obs.train, obs.valid, obs.test, obs.cost) == tuple(metrics[7, 3, r, 1, :])
    assert obs.params == bench.table.params[7]
    draws = [bench.query(cell, rng).repeat for rng in [np.random.default_rng(9)] * 1 for _ in range(30)]
    again = [bench.query(cell, rng).repeat for rng in [np.random.default_rng(9)] * 1 for _ in range(30)]
    assert draws == again
    assert set(draws) == {0, 1, 2}
    half = bench.query(cell, np.random.default_rng(1), fidelity=18)
    assert half.valid == metrics[7, 2, half.repeat, 0, 1] and half.fidelity == 18


@pytest.mark.parametrize("bit_generator", [np.random.PCG64, np.random.SFC64, np.random.Philox, np.random.MT19937])
def test_repeat_draws_are_int_of_random_times_count(bench, cells, bit_generator):
    ours, reference = np.random.Generator(bit_generator(8)), np.random.Generator(bit_generator(8))
    for i in range(200):
        cell = cells[i % 7]
        fidelity = None if i % 2 else 54
        n = len(bench.repeats(cell, fidelity))  # cell 5 has two repeats at 108 epochs
        assert bench.query(cell, ours, fidelity).repeat == int(reference.random() * n)


def test_missing_repeat_is_never_drawn(bench, cells, metrics):
    seen = {bench.query(cells[5], np.random.default_rng(s)).repeat for s in range(60)}
    assert seen == {0, 1}
    assert bench.means(cells[5]).valid == pytest.approx(np.mean(metrics[5, 3, :2, 1, 1]))
    assert len(bench.repeats(cells[5])) == 2


def test_isomorphic_variants_find_the_same_row(bench, cells):
    rng = np.random.default_rng(0)
    for i, cell in enumerate(cells[:20]):
        variant = isomorphic_variant(cell, rng)
        assert variant != cell
        assert bench.row_of(variant) == i
        assert bench.query(variant, np.random.default_rng(2)) == bench.query(cell, np.random.default_rng(2))


def test_raw_cell_caches_start_afresh_at_their_limit(table_path, cells):
    bench = NB101Benchmark.open(table_path, cache_limit=5)
    rng = np.random.default_rng(0)
    first = [bench.query(cell, rng) for cell in cells[:12]]
    assert len(bench.resolver.rows) <= 5
    again = [bench.query(cell, np.random.default_rng(0)) for cell in cells[:12]]
    assert all(type(o) is Observation for o in first + again) and [o.key for o in again] == [o.key for o in first]
    # a row's observations are made once, whichever raw cell asked first
    variant = isomorphic_variant(cells[3], np.random.default_rng(4))
    assert bench.repeats(variant)[0] is bench.repeats(cells[3])[0]


def test_an_equal_new_cell_object_is_a_cache_hit(bench, cells, monkeypatch):
    rng = np.random.default_rng(0)
    first = bench.query(cells[4], rng)
    copy = Cell(cells[4].matrix.copy(), list(cells[4].ops))
    assert copy is not cells[4]
    monkeypatch.setattr(bench.resolver, "_first_sighting", None)  # a miss would fail here
    assert bench.query(copy, np.random.default_rng(0)) is first


def test_means_optimum_iteration(bench, cells, metrics):
    assert bench.optimum.valid == pytest.approx(np.nanmax(np.nanmean(metrics[:, 3, :, 1, 1], axis=1)))
    assert bench.optimum.test == pytest.approx(np.nanmax(np.nanmean(metrics[:, 3, :, 1, 2], axis=1)))
    m = bench.means(cells[2], fidelity=6)
    assert m.valid == pytest.approx(metrics[2, 1, :, 0, 1].mean())
    assert m.test == pytest.approx(metrics[2, 1, :, 0, 2].mean())
    assert bench.means_by_key(official_module_hash(cells[2], None), fidelity=6) == m
    listed = list(bench.cells())
    assert len(listed) == len(bench) == len(cells)
    space = NB101Space()
    assert [space.key(c) for c in listed] == bench.keys()


def test_cell_means_agree_bitwise_with_the_vectorised_means(table_path, cells):
    early = NB101Benchmark.open(table_path)
    first = [early.means(c) for c in cells]  # before the whole-table means exist
    late = NB101Benchmark.open(table_path)
    optimum = late.optimum
    assert [late.means(c) for c in cells] == first
    for row in range(len(cells)):
        assert first[row].valid == late.valid_mean[row, -1] and first[row].test == late.test_mean[row, -1]
    assert optimum.valid == max(m.valid for m in first)
    assert optimum.test == max(m.test for m in first)


def test_batch_queries_match_single_queries(bench, metrics):
    rows = np.array([0, 3, 3, 5, 39, 12])
    batch = bench.query_rows(rows, np.random.default_rng(4), fidelity=54)
    assert batch.fidelity == 54
    assert np.array_equal(batch.valid, metrics[rows, 3, batch.repeat, 0, 1])
    assert np.array_equal(batch.cost, metrics[rows, 3, batch.repeat, 0, 3])
    assert batch.repeat[3] in (0, 1)
    again = bench.query_rows(rows, np.random.default_rng(4), fidelity=54)
    assert np.array_equal(batch.repeat, again.repeat)
    with pytest.raises(UserError, match="rows must be"):
        bench.query_rows([0, 40], np.random.default_rng(0))


def test_query_official_semantics(bench, cells, metrics):
    data = query_official(bench, cells[1], np.random.default_rng(0), epochs=36, stop_halfway=True)
    assert set(data) == {
        "module_adjacency", "module_operations", "trainable_parameters", "training_time",
        "train_accuracy", "validation_accuracy", "test_accuracy",
    }
    row = metrics[1, 2, :, 0, :]
    match = [r for r in range(3) if row[r, 1] == data["validation_accuracy"]]
    assert match and row[match[0], 3] == data["training_time"] and row[match[0], 2] == data["test_accuracy"]
    assert data["module_adjacency"].dtype == np.int8
    assert np.array_equal(data["module_adjacency"], cells[1].matrix)
    assert data["module_operations"] == list(cells[1].ops)
    with pytest.raises(UserError, match="13 epochs is not in the table; use one of 4, 12, 36, 108"):
        query_official(bench, cells[1], np.random.default_rng(0), epochs=13)


def test_metrics_by_hash_has_official_layout(bench, cells, metrics):
    fixed, computed = metrics_by_hash(bench, official_module_hash(cells[5], None))
    assert fixed["trainable_parameters"] == int(bench.table.params[5])
    assert sorted(computed) == list(EPOCHS)
    assert len(computed[108]) == 2 and len(computed[4]) == 3
    point = computed[12][1]
    assert list(point) == [
        "halfway_training_time", "halfway_train_accuracy", "halfway_validation_accuracy", "halfway_test_accuracy",
        "final_training_time", "final_train_accuracy", "final_validation_accuracy", "final_test_accuracy",
    ]
    assert point["halfway_training_time"] == metrics[5, 1, 1, 0, 3]
    assert point["final_test_accuracy"] == metrics[5, 1, 1, 1, 2]


def test_bad_queries_give_clear_errors(bench):
    with pytest.raises(UserError, match="fidelity 7 is not in the table"):
        bench.query(bench.cell_of_row(0), np.random.default_rng(0), fidelity=7)
    disconnected = Cell([[0, 1, 0], [0, 0, 0], [0, 0, 0]], ["input", "maxpool3x3", "output"])
    with pytest.raises(InvalidArchitectureError, match="disconnected"):
        bench.query(disconnected, np.random.default_rng(0))
    absent = Cell([[0, 1, 1], [0, 0, 1], [0, 0, 0]], ["input", "maxpool3x3", "output"])
    if not bench.has_key(official_module_hash(absent, None)):
        with pytest.raises(InvalidArchitectureError, match="is not in the table"):
            bench.query(absent, np.random.default_rng(0))
    with pytest.raises(UserError, match="fidelity 7 is not in the table"):
        bench.means(bench.cell_of_row(0), fidelity=7)
    with pytest.raises(UserError, match="no cell with module hash"):
        bench.means_by_key("f" * 32)
    with pytest.raises(InvalidArchitectureError, match="expected an NB101 Cell"):
        bench.query("not a cell", np.random.default_rng(0))
    with pytest.raises(InvalidArchitectureError, match="expected an NB101 Cell"):
        bench.query([[0, 1], [0, 0]], np.random.default_rng(0), fidelity=54)
    with pytest.raises(InvalidArchitectureError, match="expected an NB101 Cell"):
        bench.query([[0, 1], [0, 0]], np.random.default_rng(0))


def test_open_rejects_missing_and_foreign_files(tmp_path, cells, metrics):
    with pytest.raises(DataError, match="make data"):
        NB101Benchmark.open(tmp_path / "absent.h5")
    text = tmp_path / "text.h5"
    text.write_text("hello")
    with pytest.raises(DataError, match="not a benchlab NB101 table"):
        NB101Benchmark.open(text)
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as fh:
        fh["x"] = np.arange(3)
    with pytest.raises(DataError, match="not a benchlab NB101 table"):
        NB101Benchmark.open(other)
    old = write_table(tmp_path / "old.h5", cells[:3], metrics[:3], epochs=EPOCHS, version=0)
    with pytest.raises(DataError, match="format version 0"):
        NB101Benchmark.open(old)


def test_single_epoch_table(tmp_path, cells):
    m = random_metrics(10, (108,), seed=1)
    path = write_table(tmp_path / "only108.h5", cells[:10], m, epochs=(108,))
    bench = NB101Benchmark.open(path)
    assert bench.fidelities == (54, 108)
    assert bench.query(cells[4], np.random.default_rng(0), fidelity=54).valid in m[4, 0, :, 0, 1]


def test_hash_prefix_collisions_are_resolved(tmp_path, cells):
    hashes = ["0123456789abcdef" + f"{i:016x}" for i in range(6)]
    path = write_table(tmp_path / "c.h5", cells[:6], random_metrics(6), hashes=hashes)
    bench = NB101Benchmark.open(path)
    for i, h in enumerate(hashes):
        assert bench.row_of_key(h) == i
    assert not bench.has_key("0123456789abcdef" + "f" * 16)
    assert not bench.has_key("xyz")


def test_registry_entry_and_prefixed_names(tmp_path, monkeypatch, table_path, cells):
    monkeypatch.setenv("BENCHLAB_DATA_DIR", str(tmp_path))
    (entry,) = registry_entries()
    assert entry.name == "nb101" and entry.get_command == "make data" and entry.in_default_compare
    assert not entry.data_present()
    (tmp_path / nb101.DATA_NAME).write_bytes(table_path.read_bytes())
    assert entry.data_present()
    assert len(entry.load()) == len(cells)
    bench = open_prefixed(f"nb101:{table_path}")
    assert bench.name == f"nb101:{table_path}" and len(bench) == len(cells)
    with pytest.raises(DataError, match="no such file"):
        open_prefixed(f"nb101:{tmp_path / 'nothing.h5'}")


def _memory_mapped(array) -> bool:
    while isinstance(array, np.ndarray):
        array = array.base
    return isinstance(array, memoryview) and isinstance(array.obj, mmap.mmap)


def test_open_maps_the_file_and_computes_nothing_per_cell(tmp_path, table_path, cells):
    path = write_table(tmp_path / "only108.h5", cells[:10], random_metrics(10, (108,)), epochs=(108,))
    bench = NB101Benchmark.open(path)
    assert all(_memory_mapped(a) for a in (bench.table.valid, bench.table.test, bench.table.keys, bench.table.params))
    assert bench._means is None and not any(bench._drawn) and not bench.resolver.rows
    assert pickle.loads(pickle.dumps(bench)).query(cells[3], np.random.default_rng(0)) == bench.query(
        cells[3], np.random.default_rng(0)
    )


def test_checksum_is_stable_and_follows_the_data(table_path, tmp_path, cells, metrics):
    changed = metrics.copy()
    changed[3, 2, 1, 1, 1] += 1e-9
    other = NB101Benchmark.open(write_table(tmp_path / "changed.h5", cells, changed, epochs=EPOCHS))
    a, b = NB101Benchmark.open(table_path), NB101Benchmark.open(table_path)
    assert other.data_checksum() != a.data_checksum()
    assert a.table._arrays is None  # computed without making the (n, F, R) arrays
    assert a.data_checksum() == b.data_checksum() and len(a.data_checksum()) == 64
    assert math.isfinite(a.optimum.valid)


# -- end to end: official-layout records -> converter -> benchmark ---------------------------------
def _convert(src, dst):
    from benchlab.io.nb101_convert import convert_nb101

    return convert_nb101(src, dst, progress=False)


def _check_every_record_round_trips(records, bench):
    """Each record is repeat k of its (hash, epochs), k counting in file order; its values come back."""
    slot: dict = {}
    for rec in records:
        row = bench.row_of_key(rec.module_hash)
        r = slot.setdefault((rec.module_hash, rec.epochs), 0)
        slot[(rec.module_hash, rec.epochs)] += 1
        cell = Cell(rec.matrix, rec.ops)
        assert bench.row_of(cell) == row
        fixed, computed = metrics_of_row(bench, row)
        assert np.array_equal(fixed["module_adjacency"], rec.matrix)
        assert fixed["module_operations"] == list(rec.ops)
        assert fixed["trainable_parameters"] == rec.trainable_parameters
        point = computed[rec.epochs][r]
        half, final = rec.evaluations[1], rec.evaluations[2]
        for prefix, ev in (("halfway_", half), ("final_", final)):
            assert point[prefix + "training_time"] == ev.training_time
            assert point[prefix + "train_accuracy"] == ev.train_accuracy
            assert point[prefix + "validation_accuracy"] == ev.validation_accuracy
            assert point[prefix + "test_accuracy"] == ev.test_accuracy
        for stop_halfway, ev in ((False, final), (True, half)):
            f = bench.fidelities.index(rec.epochs // 2 if stop_halfway else rec.epochs)
            assert bench.table.valid[row, f, r] == ev.validation_accuracy
            assert bench.table.cost[row, f, r] == ev.training_time
        data = query_official(bench, cell, np.random.default_rng(r), rec.epochs)
        assert data["validation_accuracy"] in [p["final_validation_accuracy"] for p in computed[rec.epochs]]
    assert len({h for h, _ in slot}) == len(bench)


def test_written_records_round_trip_through_converter_and_query(tmp_path, cells):
    from benchlab.io.nb101_records import EvaluationData, NB101Record, write_nb101_records

    rng = np.random.default_rng(5)
    records = []
    for repeat in range(3):
        for epochs in (4, 108):
            for i, cell in enumerate(cells[:12]):
                evals = tuple(
                    EvaluationData(float(epochs * f), float(rng.uniform(1, 1000)), *map(float, rng.uniform(0.1, 1, 3)))
                    for f in (0.0, 0.5, 1.0)
                )
                records.append(NB101Record(len(records), 0, official_module_hash(cell, None), epochs, cell.matrix,
                                           cell.ops, 1000 + i, 0.0, evals))
    src = tmp_path / "written.tfrecord"
    write_nb101_records(src, records)
    bench = NB101Benchmark.open(_convert(src, tmp_path / "written.h5"))
    assert bench.fidelities == (2, 4, 54, 108)
    _check_every_record_round_trips(records, bench)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["energy_4V9E.tfrecord", "energy_5V9E.tfrecord"])
def test_real_files_round_trip_through_converter_and_query(shared_nb101_dir, tmp_path, name):
    from benchlab.io.nb101_records import read_nb101_records

    src = shared_nb101_dir / name
    bench = NB101Benchmark.open(_convert(src, tmp_path / "real.h5"))
    records = list(read_nb101_records(src))
    _check_every_record_round_trips(records, bench)
    assert bench.space.max_vertices == (4 if "4V" in name else 5)
    assert len(bench) == bench.space.size  # both files are complete tables of their spaces
    # every cell of the table is reachable from an isomorphic variant as well
    rng = np.random.default_rng(0)
    for row in range(0, len(bench), max(1, len(bench) // 200)):
        assert bench.row_of(isomorphic_variant(bench.cell_of_row(row), rng)) == row


def test_prefixed_tfrecord_is_converted_once_and_cached(shared_nb101_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("BENCHLAB_DATA_DIR", str(tmp_path))
    src = shared_nb101_dir / "energy_4V9E.tfrecord"
    bench = open_prefixed(f"nb101:{src}")
    assert len(bench) == 91 and bench.fidelities == (2, 4, 6, 12, 18, 36, 54, 108)
    cached = nb101.cache_dir() / "eba6c177999103d7c938028e410836c1b62213a076b0e7436de85da8f81d974c.h5"
    assert bench.path == cached and cached.exists()
    mtime = cached.stat().st_mtime_ns
    again = open_prefixed(f"nb101:{src}")
    assert again.path == cached and cached.stat().st_mtime_ns == mtime
    assert nb101.table_for(cached) == cached
