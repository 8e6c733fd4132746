"""Bad input from the user's own code, addresses and files: one line, exit 2, nothing written."""

from __future__ import annotations

import struct
import subprocess
import sys

import crc32c
import pytest

from tests.faults.helpers import TOY, environment, expect_error, run_benchlab, toy_experiment


def _masked_crc(data: bytes) -> int:
    crc = crc32c.crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


@pytest.fixture
def user_modules(tmp_path, monkeypatch):
    """A folder on sys.path holding the user's broken modules."""
    folder = tmp_path / "user_code"
    folder.mkdir()
    (folder / "syntax_error_search.py").write_text("class Search(:\n    pass\n")
    (folder / "raising_search.py").write_text("raise RuntimeError('this module refuses to import')\n")
    (folder / "raising_bench.py").write_text("import nonexistent_dependency_xyz\n")
    monkeypatch.syspath_prepend(str(folder))
    return folder


@pytest.mark.parametrize("target, fragment", [
    ("syntax_error_search:Search", "SyntaxError"),
    ("raising_search:Search", "RuntimeError: this module refuses to import"),
])
def test_a_strategy_module_that_fails_at_import(tmp_path, capsys, user_modules, target, fragment):
    expect_error(capsys, tmp_path, ["compare", toy_experiment(tmp_path), "--out", tmp_path / "exp", "-q",
                                    "--strategy", target], "cannot import strategy module", fragment)


@pytest.mark.parametrize("bench_name, fragment", [
    ("raising_bench:make", "ModuleNotFoundError"),
    ("tests.faults.factories:raises", "RuntimeError: the factory is broken"),
    ("tests.faults.factories:reads_stdin", "EOFError"),
])
def test_a_benchmark_factory_that_fails(tmp_path, capsys, user_modules, bench_name, fragment):
    expect_error(capsys, tmp_path, ["compare", toy_experiment(tmp_path), "--out", tmp_path / "exp", "-q",
                                    "--benchmarks", bench_name], fragment)


def test_a_factory_reading_stdin_does_not_wait_for_a_terminal(tmp_path):
    """stdin is an open pipe nobody writes to: the factory must get end-of-file, not wait forever."""
    command = [sys.executable, "-m", "benchlab", "compare", str(toy_experiment(tmp_path)), "--out",
               str(tmp_path / "exp"), "-q", "--benchmarks", "tests.faults.factories:reads_stdin"]
    proc = subprocess.Popen(command, env=environment(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 2 and "EOFError" in err and "Traceback" not in err
    assert not (tmp_path / "exp").exists()


@pytest.mark.parametrize("address", ["notaurl", "tcp://", "tcp://host:port", "http://[::1/x"])
def test_a_bad_scheduler_address(tmp_path, capsys, address):
    expect_error(capsys, tmp_path, ["compare", toy_experiment(tmp_path), "--out", tmp_path / "exp", "-q",
                                    "--scheduler", address], "is not a Dask scheduler address")


@pytest.mark.parametrize("params, fragment", [
    ("{ population_size = 0 }", "population_size"),
    ('{ population_size = "big" }', "population_size"),
    ("{ sample_size = -1, population_size = 4 }", "sample_size"),
])
def test_hyperparameters_a_constructor_rejects_are_found_before_anything_is_written(tmp_path, capsys, params,
                                                                                     fragment):
    config = toy_experiment(tmp_path, strategies=f'[strategies.evo]\nname = "re"\nhyperparameters = {params}\n')
    expect_error(capsys, tmp_path, ["compare", config, "--out", tmp_path / "exp", "-q"], "[strategies.evo]",
                 fragment)


def test_a_user_strategy_that_checks_its_own_value(tmp_path, capsys):
    config = toy_experiment(tmp_path, strategies='[strategies.mine]\nclass = "tests.faults.strategies:ChecksItsSize"\n'
                                                 'hyperparameters = { size = 0, name = "y" }\n')
    expect_error(capsys, tmp_path, ["compare", config, "--out", tmp_path / "exp", "-q"], "'size' rejected",
                 "size must be at least 1")


def test_a_strategy_whose_constructor_raises_otherwise(tmp_path, capsys):
    expect_error(capsys, tmp_path, ["compare", toy_experiment(tmp_path), "--out", tmp_path / "exp", "-q",
                                    "--strategy", "tests.faults.strategies:RaisesInInit"],
                 "strategy 'RaisesInInit'", "RuntimeError in __init__", "strategies.py:", "cannot start")


def test_a_100000_character_architecture_is_cut_in_the_message(tmp_path, capsys):
    err = expect_error(capsys, tmp_path, ["query", "nb201/cifar10", "|" + "x" * 100_000 + "|"], "characters")
    assert len(err) < 1000


def test_a_tfrecord_frame_with_deeply_nested_json(tmp_path, capsys):
    payload = b"[" * 100_000 + b"]" * 100_000
    frame = struct.pack("<Q", len(payload))
    frame += struct.pack("<I", _masked_crc(frame)) + payload + struct.pack("<I", _masked_crc(payload))
    src = tmp_path / "deep.tfrecord"
    src.write_bytes(frame)
    code_err = expect_error(capsys, tmp_path, ["data", "convert", "nb101", src, "--out", tmp_path / "t.h5", "--quiet"],
                            "deep.tfrecord")
    assert "nested too deeply" in code_err or "record" in code_err


@pytest.mark.slow
def test_the_same_faults_from_a_real_process_print_no_traceback(tmp_path):
    """A few of the cases above through `python -m benchlab`, as a user meets them."""
    config = toy_experiment(tmp_path)
    for args, fragment in [
        (["compare", config, "--out", tmp_path / "e", "-q", "--scheduler", "notaurl"], "Dask scheduler address"),
        (["compare", config, "--out", tmp_path / "e", "-q", "--benchmarks", f"{TOY},tests.faults.factories:raises"],
         "the factory is broken"),
        (["data", "download", "nb101", "--url", "http://[::1/x", "--out", tmp_path / "d"], "not a valid URL"),
    ]:
        result = run_benchlab(*args)
        assert result.returncode == 2 and "Traceback" not in result.stderr and fragment in result.stderr
        assert result.stderr.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["experiment.toml"]


def test_only_long_quoted_values_are_cut():
    from benchlab.errors import cut_long_values

    short = "module 'no_such_module' (ModuleNotFoundError: No module named 'no_such_module'); it's fine " + "z" * 90
    assert cut_long_values(short) == short
    assert cut_long_values("arch '" + "x" * 200 + "' is bad") == "arch '" + "x" * 40 + "...' (200 characters) is bad"
