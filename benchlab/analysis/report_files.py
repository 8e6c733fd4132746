"""Where a report goes in the experiment folder, checked before any of it is written."""

from __future__ import annotations

from pathlib import Path

from benchlab.errors import UserError
from benchlab.harness.storage import check_writable

#: what a report writes into the experiment folder: files, then folders of files
REPORT_FILES = ("index.html", "report.md")
REPORT_FOLDERS = ("figures", "tables")


def check_report_targets(out_dir: Path) -> None:
    """Refuse, before anything is written, a folder where a report file or folder is of the wrong kind."""
    out_dir = Path(out_dir)
    check_writable(out_dir, "the experiment folder")
    for name in REPORT_FILES:
        path = out_dir / name
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise UserError(f"{path} is a folder or link where the report keeps a file; move it away and run again")
    for name in REPORT_FOLDERS:
        folder = out_dir / name
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            raise UserError(f"{folder} is a file or link where the report keeps a folder; move it away and run again")
        if folder.is_dir():
            check_writable(folder, "the report folder")
            clash = next((p for p in folder.iterdir() if p.suffix in (".png", ".svg", ".csv") and not p.is_file()), None)
            if clash is not None:
                raise UserError(f"{clash} is a folder where the report keeps a file; move it away and run again")
