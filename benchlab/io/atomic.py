"""Writing a file so that readers see the old file or the new one, never half of one.

Every file benchlab writes (tables, run results, manifests, reports, caches) goes through
`AtomicTarget`: the bytes go to a temporary file in the destination's folder, which is
renamed onto the destination (`os.replace`, atomic within one file system) only when the
write completed, and removed when it failed. A killed process can leave a stray temporary;
its name starts with TMP_PREFIX and ends with TMP_MARKER around mkstemp's random part, so
the next run can tell its own strays (`is_own_temporary`) from a user's files and delete
only those.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from pathlib import Path

TMP_PREFIX = ".benchlab-tmp-"
TMP_MARKER = "~benchlab"
# mkstemp's random part is 8 characters of [a-z0-9_]
_OWN_TEMPORARY = re.compile(re.escape(TMP_PREFIX) + r".+\.[a-z0-9_]{8}" + re.escape(TMP_MARKER) + "$")


def is_own_temporary(path: str | os.PathLike) -> bool:
    """Whether `path` is a regular file (not a link) named like the temporaries AtomicTarget makes."""
    path = Path(path)
    if not _OWN_TEMPORARY.match(path.name):
        return False
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


class AtomicTarget:
    """`with AtomicTarget(path) as tmp:` write to `tmp`; it replaces `path` when the block ends
    normally and is removed when the block raises.

    Making the temporary file (and the destination's folder) happens in the constructor, so a
    caller can tell "cannot write there" (raised here) from "the write failed" (raised in the
    block). Files get mode `mode` (mkstemp makes them private; tables, results and reports are
    meant to be shared).
    """

    def __init__(self, path: str | os.PathLike, mode: int = 0o644):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{self.path.name}.", suffix=TMP_MARKER,
                                   dir=self.path.parent)
        os.close(fd)
        self.tmp = Path(name)
        self._mode = mode

    def __enter__(self) -> Path:
        return self.tmp

    def __exit__(self, exc_type, exc, traceback) -> bool:
        if exc_type is not None:
            self.tmp.unlink(missing_ok=True)
            return False
        try:
            os.chmod(self.tmp, self._mode)
            os.replace(self.tmp, self.path)
        except BaseException:
            self.tmp.unlink(missing_ok=True)
            raise
        return False


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    with AtomicTarget(path) as tmp:
        tmp.write_bytes(data)


def write_json_atomic(path: str | os.PathLike, obj) -> None:
    write_atomic(path, (json.dumps(obj, indent=2, sort_keys=False, default=str) + "\n").encode())
