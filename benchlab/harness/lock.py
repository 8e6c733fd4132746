"""One benchlab process at a time per experiment folder.

`ExperimentLock(folder)` holds an exclusive `flock` on `folder/.benchlab.lock`, a file that
records the holder's pid, host and start time. The kernel drops the lock when its holder
dies, however it dies, so a lock left by a killed process is simply taken over; a second
process is told, in one line, who holds it. The file is removed on release; a process that
locked a file another one was removing at that moment notices (the path no longer names its
file) and locks again.
"""

from __future__ import annotations

import datetime as _dt
import errno
import fcntl
import json
import os
import socket
from pathlib import Path

from benchlab.errors import UserError

LOCK_FILE = ".benchlab.lock"


class FolderInUseError(UserError):
    """Another live process holds the experiment folder's lock."""


class ExperimentLock:
    """Context manager: `with ExperimentLock(folder):` the folder is this process's alone."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self.path = self.folder / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> "ExperimentLock":
        for _ in range(10):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise FolderInUseError(self._held_by()) from None
                raise
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                self._fd = fd
                self._write_holder()
                return self
            os.close(fd)  # locked a file its holder had just removed: lock the new one
        raise FolderInUseError(self._held_by())

    def _write_holder(self) -> None:
        holder = {"pid": os.getpid(), "host": socket.gethostname(),
                  "since": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, (json.dumps(holder) + "\n").encode(), 0)

    def _held_by(self) -> str:
        try:
            holder = json.loads(self.path.read_text())
            who = f"benchlab process {int(holder['pid'])} on {holder.get('host', '?')} (since {holder.get('since', '?')})"
        except (OSError, ValueError, KeyError, TypeError):
            who = "another benchlab process"
        return (f"{self.folder} is in use by {who}; wait for it to finish (or stop it), "
                "or choose another --out")

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(self._fd)  # closing drops the lock
            self._fd = None

    def __enter__(self) -> "ExperimentLock":
        return self.acquire()

    def __exit__(self, *exc) -> bool:
        self.release()
        return False
