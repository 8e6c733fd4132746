import os
import stat

import pytest

from benchlab.io.atomic import TMP_PREFIX, AtomicTarget, write_atomic, write_json_atomic


def _strays(folder):
    return [p for p in folder.iterdir() if p.name.startswith(TMP_PREFIX)]


def test_a_complete_write_replaces_the_file_and_is_readable_by_others(tmp_path):
    path = tmp_path / "sub" / "table.npz"
    write_atomic(path, b"old")
    with AtomicTarget(path) as tmp:
        tmp.write_bytes(b"new")
        assert path.read_bytes() == b"old"  # readers still see the old file meanwhile
        assert tmp.parent == path.parent and tmp.name.startswith(TMP_PREFIX + "table.npz.")
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert not _strays(path.parent)


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "manifest.json"
    write_json_atomic(path, {"a": 1})
    with pytest.raises(RuntimeError):
        with AtomicTarget(path) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert path.read_text() == '{\n  "a": 1\n}\n'
    assert not _strays(tmp_path)


def test_a_destination_that_cannot_exist_fails_before_the_write(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OSError):
        AtomicTarget(blocker / "out.h5")
