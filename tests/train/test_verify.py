import math

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from benchlab.errors import InvalidArchitectureError, UserError
from benchlab.run.objective_columns import blank_columns
from benchlab.run.schema import SCHEMA
from benchlab.train.cache import ResultCache
from benchlab.train.verify import incumbents_of_experiment, resolve_cells, verify_cells, write_report
from tests.train.helpers import stub_for_table, write_tiny_table


@pytest.fixture
def tiny(tmp_path):
    return write_tiny_table(tmp_path)


def test_report_puts_live_values_beside_the_table_repeats(tiny, tmp_path):
    table, keys = tiny
    # live validation ranks the cells exactly as the table does, except cells 1 and 2 swapped
    stub = stub_for_table([0.53, 0.21, 0.43, 0.66])
    cells = resolve_cells(keys, table)
    report = verify_cells(cells, table, stub, epochs=4, repeats=2, cache=ResultCache(tmp_path / "live"))
    assert len(stub.calls) == 8 and all(e == 4 for *_, e in stub.calls)
    first = report.cells.set_index("key").loc[keys[0]]
    assert first.table_valid_min == pytest.approx(0.50)
    assert first.table_valid_mean == pytest.approx(0.52)
    assert first.table_valid_max == pytest.approx(0.54)
    assert first.table_time_mean == pytest.approx(110.0)
    assert first.live_valid_mean == pytest.approx(0.53, abs=1e-5)
    assert first.z_valid == pytest.approx((0.53 - 0.52) / 0.02, abs=1e-3)  # sample std of .50/.52/.54
    last = report.cells.set_index("key").loc[keys[3]]
    assert last.z_valid == pytest.approx((0.66 - 0.62) / 0.02, abs=1e-3)
    # table means 0.52, 0.42, 0.21, 0.62 vs live 0.53, 0.21, 0.43, 0.66: 5 of 6 pairs agree
    assert report.summary["kendall_tau_valid"] == pytest.approx((5 - 1) / 6)
    assert len(report.runs) == 8 and set(report.runs["repeat"]) == {0, 1}
    assert report.runs["live_time"].eq(40.0).all()

    paths = write_report(report, tmp_path / "out")
    assert [p.name for p in paths] == ["verify_runs.csv", "verify_cells.csv", "verify_summary.json", "verify.png"]
    assert pd.read_csv(paths[1])["key"].tolist() == keys
    assert paths[3].read_bytes()[:4] == b"\x89PNG"

    # a second verify reuses the cached runs: the trainer is not called again
    again = stub_for_table([0.0, 0.0, 0.0, 0.0])
    report2 = verify_cells(cells, table, again, epochs=4, repeats=2, cache=ResultCache(tmp_path / "live"))
    assert again.calls == []
    assert report2.cells["live_valid_mean"].tolist() == report.cells["live_valid_mean"].tolist()


def test_epochs_missing_from_the_table_leave_table_columns_empty(tiny, tmp_path):
    table, keys = tiny
    stub = stub_for_table([0.5, 0.4, 0.3, 0.2])
    report = verify_cells(resolve_cells(keys[:2], table), table, stub, epochs=12)
    assert report.cells["table_valid_mean"].isna().all()
    assert report.cells["table_repeats"].eq(0).all()
    assert math.isnan(report.summary["kendall_tau_valid"])


def test_cells_by_text_form_and_hash(tiny):
    table, keys = tiny
    text = "011001000|input,conv3x3-bn-relu,output"  # the text form of the table's cell 3
    cells = resolve_cells([keys[0], text, keys[0]], table)
    assert [c.key for c in cells] == [keys[0], keys[3]]
    with pytest.raises(UserError, match="no cell with module hash"):
        resolve_cells(["0" * 32], table)
    with pytest.raises(InvalidArchitectureError):
        resolve_cells(["000000000|input,conv3x3-bn-relu,output"], table)
    with pytest.raises(UserError):
        resolve_cells([], table)


def run_file(path, benchmark, incumbents):
    rows = {name: [] for name in SCHEMA.names}
    for step, key in enumerate(incumbents):
        values = dict(benchmark=benchmark, strategy="rs", seed=0, step=step, worker=0, sim_start=0.0, sim_end=1.0,
                      arch_key=key, fidelity=108, valid_observed=0.5, cost=1.0, incumbent_key=key,
                      incumbent_valid_mean=0.5, incumbent_test_mean=0.5, valid_regret=0.1, test_regret=0.1,
                      strategy_wall_s=0.0, **{k: v[0] for k, v in blank_columns(1).items()})
        for name in SCHEMA.names:
            rows[name].append(values[name])
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pydict(rows, schema=SCHEMA), path)


def test_incumbents_are_the_last_rows_of_nb101_and_nb201_runs(tmp_path):
    a, b, c = "a" * 32, "b" * 32, "c" * 32
    run_file(tmp_path / "runs/nb101/rs/seed-0000.parquet", "nb101", [c, a])
    run_file(tmp_path / "runs/nb101/re/seed-0000.parquet", "nb101", [a, b])
    run_file(tmp_path / "runs/live_nb101/re/seed-0001.parquet", "live:nb101", [b])
    run_file(tmp_path / "runs/nb201_cifar10/re/seed-0000.parquet", "nb201/cifar10", ["3,3,3,1,3,2"])
    run_file(tmp_path / "runs/fcnet/re/seed-0000.parquet", "fcnet/protein_structure", ["7"])
    run_file(tmp_path / "runs/nb201_mo/re/seed-0000.parquet", "nb201/cifar100 valid-vs-params", ["1,1,1,1,1,1"])
    found = incumbents_of_experiment(tmp_path)
    assert found.keys == [b, "1,1,1,1,1,1", "3,3,3,1,3,2", a]  # b twice, the others once (ties by key); fcnet ignored
    assert found.tables == ["nb101", "nb201/cifar10", "nb201/cifar100"]  # a problem's label is no table
    with pytest.raises(UserError, match="no run files"):
        incumbents_of_experiment(tmp_path / "nothing")
