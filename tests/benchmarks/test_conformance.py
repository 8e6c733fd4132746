"""Benchmarks outside the registry's packaged families keep the contract too (the packaged
families are checked in test_registry.py)."""

from __future__ import annotations

from benchlab.benchmarks.nb101 import open_prefixed
from benchlab.testing import check_benchmark, make_toy_benchmark


def test_the_toy_benchmark_passes_the_conformance_kit():
    check_benchmark(make_toy_benchmark())
    check_benchmark(make_toy_benchmark(with_test=False))


def test_nb101_on_a_complete_real_table_passes_the_conformance_kit(shared_nb101_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("BENCHLAB_DATA_DIR", str(tmp_path))
    check_benchmark(open_prefixed(f"nb101:{shared_nb101_dir / 'energy_4V9E.tfrecord'}"))
