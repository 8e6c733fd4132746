"""Where benchlab keeps downloaded and converted data."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """`$BENCHLAB_DATA_DIR`, else `data/` of a source checkout, else `~/.cache/benchlab`."""
    env = os.environ.get("BENCHLAB_DATA_DIR")
    if env:
        return Path(env)
    if (_PACKAGE_ROOT / "pyproject.toml").exists():
        return _PACKAGE_ROOT / "data"
    return Path.home() / ".cache" / "benchlab"


def reports_dir() -> Path:
    """`reports/` of the current directory: experiments write there unless told otherwise."""
    return Path("reports")
