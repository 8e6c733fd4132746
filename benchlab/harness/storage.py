"""The layout of an experiment folder and atomic writes into it.

    E/manifest.json
    E/runs/<benchmark-slug>/<strategy-label>/seed-0007.parquet     (one finished run)
    E/runs/<benchmark-slug>/<strategy-label>/seed-0007.failed.json (traceback of a failed run)

Every file is written through `benchlab.io.atomic` (re-exported here): a temporary name in
its own folder, renamed into place with `os.replace`, so a killed process leaves either the
old file, the new file, or a stray temporary file (removed on the next start), never a
half-written result.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow.parquet as pq

from benchlab.harness.tasks import METADATA_KEY, RunTask
from benchlab.io.atomic import TMP_PREFIX, write_atomic, write_json_atomic  # noqa: F401 (re-exported)

MANIFEST = "manifest.json"
RUNS = "runs"


def slug(name: str) -> str:
    """A benchmark name as a folder name: every char outside [A-Za-z0-9._-] becomes '_'."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def run_file(out_dir: Path, benchmark: str, strategy: str, seed: int, suffix: str = ".parquet") -> Path:
    """Where one run's file lives (strategy labels are already plain words)."""
    return Path(out_dir) / RUNS / slug(benchmark) / strategy / f"seed-{seed:04d}{suffix}"


def run_path(out_dir: Path, task: RunTask, suffix: str = ".parquet") -> Path:
    return run_file(out_dir, task.benchmark, task.strategy, task.seed, suffix)


def failed_path(out_dir: Path, task: RunTask) -> Path:
    return run_path(out_dir, task, ".failed.json")


def run_metadata(path: Path) -> dict | None:
    """The benchlab metadata of a run file, or None when it is missing or unreadable."""
    try:
        meta = pq.read_schema(path).metadata or {}
        return json.loads(meta[METADATA_KEY])
    except (OSError, KeyError, ValueError, TypeError):
        return None


def is_finished(out_dir: Path, task: RunTask) -> bool:
    meta = run_metadata(run_path(out_dir, task))
    return bool(meta) and meta.get("settings_hash") == task.settings_hash and meta.get("status") == "complete"


def remove_stray_temporaries(out_dir: Path) -> int:
    """Delete temporary files a killed earlier invocation left behind; returns how many."""
    removed = 0
    root = Path(out_dir)
    if not root.exists():
        return 0
    for tmp in root.rglob(TMP_PREFIX + "*"):
        if tmp.is_file():
            tmp.unlink(missing_ok=True)
            removed += 1
    return removed
