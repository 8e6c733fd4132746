"""The layout of an experiment folder and atomic writes into it.

    E/manifest.json
    E/runs/<benchmark-slug>/<strategy-label>/seed-0007.parquet     (one finished run)
    E/runs/<benchmark-slug>/<strategy-label>/seed-0007.failed.json (traceback of a failed run)

Every file is written through `benchlab.io.atomic` (re-exported here): a temporary name in
its own folder, renamed into place with `os.replace`, so a killed process leaves either the
old file, the new file, or a stray temporary file of its own (removed on the next start from
the folders the experiment writes), never a half-written result. Run files are sealed with a
checksum and their identity (`benchlab.harness.integrity`) and reused only when both hold.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from benchlab.errors import DataError, UserError
from benchlab.harness.integrity import DamagedRunFile, UnsealedRunFile, open_verified
from benchlab.harness.tasks import RunTask
from benchlab.io.atomic import TMP_PREFIX, is_own_temporary, write_atomic, write_json_atomic  # noqa: F401

MANIFEST = "manifest.json"
RUNS = "runs"


def slug(name: str) -> str:
    """A benchmark name as a folder name: every char outside [A-Za-z0-9._-] becomes '_'."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def inside(root: Path, path: Path) -> Path:
    """`path`, after checking that it resolves inside `root` (names read from files cannot escape)."""
    resolved_root = Path(root).resolve()
    if not Path(path).resolve().is_relative_to(resolved_root):
        raise DataError(f"{path} lies outside the experiment folder {root}; a benchmark or strategy name in it is not "
                        "a plain name")
    return Path(path)


def run_file(out_dir: Path, benchmark: str, strategy: str, seed: int, suffix: str = ".parquet") -> Path:
    """Where one run's file lives; raises `DataError` when the names would lead outside `out_dir`."""
    return inside(out_dir, Path(out_dir) / RUNS / slug(benchmark) / strategy / f"seed-{seed:04d}{suffix}")


def run_path(out_dir: Path, task: RunTask, suffix: str = ".parquet") -> Path:
    return run_file(out_dir, task.benchmark, task.strategy, task.seed, suffix)


def failed_path(out_dir: Path, task: RunTask) -> Path:
    return run_path(out_dir, task, ".failed.json")


def identity(task: RunTask) -> dict:
    return {"benchmark": task.benchmark, "strategy": task.strategy, "seed": task.seed}


def run_state(out_dir: Path, task: RunTask) -> tuple[str, str]:
    """("missing" | "finished" | "stale" | "damaged", reason) of a task's run file.

    Stale: a sound file of this run made with other settings, or one from a benchlab that did
    not seal its files yet (redone quietly, as asked); damaged: a file that fails its
    checksum, holds another run or does not decode (redone, and the caller says so).
    """
    path = run_path(out_dir, task)
    if not path.exists():
        return "missing", ""
    try:
        _, metadata = open_verified(path, identity(task))
    except UnsealedRunFile:
        return "stale", ""
    except DamagedRunFile as exc:
        return "damaged", str(exc)
    except OSError as exc:
        return "damaged", f"unreadable ({exc.strerror or exc})"
    if metadata.get("settings_hash") != task.settings_hash or metadata.get("status") != "complete":
        return "stale", ""
    return "finished", ""


def check_layout(out_dir: Path, tasks: list[RunTask]) -> None:
    """Refuse, before anything is written, an experiment folder whose paths are of the wrong kind."""
    out_dir = Path(out_dir)
    for parent in (out_dir, *out_dir.parents):
        if parent.exists():
            if not parent.is_dir():
                raise UserError(f"--out {out_dir}: {parent} is a file, not a folder; choose another --out")
            break
    if not out_dir.exists():
        return
    _need_file(out_dir / MANIFEST)
    _need_folder(out_dir / RUNS)
    seen = set()
    for task in tasks:
        folder = run_path(out_dir, task).parent
        if folder not in seen:
            seen.add(folder)
            _need_folder(folder.parent)
            _need_folder(folder)
        _need_file(run_path(out_dir, task))
        _need_file(failed_path(out_dir, task))


def check_writable(folder: Path, flag: str = "--out") -> None:
    """Refuse a folder this process cannot write into (or create), before anything is written."""
    folder = Path(folder)
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is None:
        return
    if not existing.is_dir():
        raise UserError(f"{flag} {folder}: {existing} is a file, not a folder; choose another {flag}")
    if not os.access(existing, os.W_OK | os.X_OK):
        what = "write into" if existing == folder else f"create {folder} in"
        raise UserError(f"{flag} {folder}: permission denied (cannot {what} {existing}); fix its permissions "
                        f"or choose another {flag}")
    if existing == folder:
        runs = folder / RUNS
        for sub in [runs, *(p for p in runs.rglob("*") if p.is_dir() and not p.is_symlink())] if runs.is_dir() else []:
            if not os.access(sub, os.W_OK | os.X_OK):
                raise UserError(f"{flag} {folder}: permission denied (cannot write into {sub}); fix its permissions "
                                f"or choose another {flag}")


def _need_file(path: Path) -> None:
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise UserError(f"{path} is a folder or link where benchlab keeps a file; move it away or choose another --out")


def _need_folder(path: Path) -> None:
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise UserError(f"{path} is a file or link where benchlab keeps a folder; move it away or choose another --out")


def remove_stray_temporaries(folders) -> int:
    """Delete the temporaries a killed earlier invocation left in `folders`; returns how many.

    Only files named like benchlab's own temporaries are touched, and only directly inside
    the given folders (those the experiment writes), never anywhere else under them.
    """
    removed = 0
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            continue
        for tmp in folder.glob(TMP_PREFIX + "*"):
            if is_own_temporary(tmp):
                tmp.unlink(missing_ok=True)
                removed += 1
    return removed


def experiment_folders(out_dir: Path, tasks: list[RunTask]) -> list[Path]:
    """The folders an experiment writes files into."""
    out_dir = Path(out_dir)
    runs = {run_path(out_dir, t).parent for t in tasks}
    return [out_dir, *sorted(runs)]
