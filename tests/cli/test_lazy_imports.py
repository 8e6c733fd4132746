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
print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))
"""


def _heavy_modules_after(*argv: str, preload: str = "") -> set[str]:
    result = subprocess.run([sys.executable, "-c", PROBE, preload, *argv], env=dict(os.environ, PYTHONPATH=str(ROOT)),
                            capture_output=True, text=True, check=True)
    return set(json.loads(result.stdout.splitlines()[-1])) & set(HEAVY)


@pytest.mark.parametrize(
    "argv",
    [["query", "nb201/cifar10", "3,3,3,1,3,2"], ["benchmarks", "nb201"], ["compare", "--help"], ["report", "--help"]],
    ids=lambda argv: argv[0],
)
def test_a_subcommand_imports_no_heavy_library_it_does_not_use(argv):
    assert _heavy_modules_after(*argv) == set()


def test_the_probe_sees_a_heavy_import():
    assert "pandas" in _heavy_modules_after("benchmarks", "nb201", preload="pandas")
