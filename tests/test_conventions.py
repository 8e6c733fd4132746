"""Project-wide conventions that no single module's tests can see."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from algorithms.base import Feedback

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*ROOT.joinpath("benchlab").rglob("*.py"), *ROOT.joinpath("algorithms").rglob("*.py")])

# numpy's legacy global-state functions; a Generator method of the same name is fine.
GLOBAL_NUMPY = {"seed", "rand", "randn", "randint", "random", "choice", "shuffle", "permutation", "normal", "uniform", "random_sample"}


def _global_random_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(alias.name == "random" for alias in node.names):
            found.append(f"{path.name}:{node.lineno}: import random")
        if isinstance(node, ast.ImportFrom) and node.module == "random":
            found.append(f"{path.name}:{node.lineno}: from random import ...")
        if isinstance(node, ast.Attribute) and node.attr in GLOBAL_NUMPY:
            value = node.value
            if isinstance(value, ast.Attribute) and value.attr == "random" and isinstance(value.value, ast.Name) and value.value.id in ("np", "numpy"):
                found.append(f"{path.name}:{node.lineno}: np.random.{node.attr}")
    return found


def test_sources_were_found():
    assert len(SOURCES) > 50


# The conformance kit reads (never draws from) the global states, to check that a user's code leaves them alone.
READS_GLOBAL_STATE = {ROOT / "benchlab" / "testing" / "_checks.py": ["_checks.py:5: import random"]}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_global_random_state(path):
    assert _global_random_uses(path) == READS_GLOBAL_STATE.get(path, [])


def test_the_detector_catches_global_random_state(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import random\nimport numpy as np\nnp.random.seed(0)\nx = np.random.rand(3)\n")
    assert len(_global_random_uses(bad)) == 3


def test_feedback_to_a_strategy_has_no_test_metric():
    names = {f.name for f in dataclasses.fields(Feedback)}
    assert names == {"valid", "cost", "fidelity", "objectives", "violation"}
    assert not any("test" in name for name in names)
