from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.toy import make_toy_benchmark

SHARED_NB101 = Path(__file__).resolve().parents[2] / "shared" / "data" / "nb101-format"


@pytest.fixture
def toy_benchmark():
    return make_toy_benchmark()


@pytest.fixture
def shared_nb101_dir() -> Path:
    """The real NB101-format files beside the checkout; tests using them skip when absent."""
    path = Path(os.environ.get("BENCHLAB_SHARED_NB101", SHARED_NB101))
    if not (path / "energy_4V9E.tfrecord").exists():
        pytest.skip(f"real NB101-format files not found in {path}")
    return path
