"""Starting again removes only benchlab's own temporaries, only in the folders it writes."""

from __future__ import annotations

from benchlab.io.atomic import TMP_MARKER, TMP_PREFIX, AtomicTarget, is_own_temporary
from tests.faults.helpers import cli, toy_experiment


def test_user_files_that_look_temporary_survive_and_own_strays_go(tmp_path, capsys):
    out = tmp_path / "exp"
    config = toy_experiment(tmp_path, seeds=1)
    assert cli(capsys, "compare", config, "--out", out, "--jobs", "1", "-q", "--no-report")[0] == 0
    run_folder = next(out.rglob("seed-0000.parquet")).parent
    own_stray = AtomicTarget(run_folder / "seed-0000.parquet").tmp  # made, never renamed: a killed write's leftover
    own_stray.write_bytes(b"half")
    users = [out / ".tmp-mine.txt", out / "notes" / f"{TMP_PREFIX}draft.abcdefgh{TMP_MARKER}",
             run_folder / f"{TMP_PREFIX}notes.txt", out / "my.tmp-file", run_folder / ".tmp-seed-0000.parquet.x"]
    for path in users:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("mine")
    link = run_folder / f"{TMP_PREFIX}seed-0001.parquet.abcdefgh{TMP_MARKER}"
    link.symlink_to(users[0])
    assert is_own_temporary(own_stray) and not is_own_temporary(link)

    assert cli(capsys, "compare", config, "--out", out, "--jobs", "1", "-q", "--no-report")[0] == 0
    assert not own_stray.exists()
    assert all(path.read_text() == "mine" for path in users) and link.is_symlink()
