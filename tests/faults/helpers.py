"""What every fault case asserts, and the ways to run benchlab under a fault.

A case ends in exit code 2, exactly one line `benchlab: error: ...` on stderr that names the
problem, no traceback, and no new or changed files (`snapshot` before and after).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchlab.cli import main

REPO = Path(__file__).resolve().parents[2]
TOY = "tests.toy:make_toy_benchmark"


def snapshot(root: Path) -> dict[str, str]:
    """Every path under `root` with a digest of its contents ('dir' for folders)."""
    out = {}
    for path in sorted(Path(root).rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            out[rel] = "link:" + os.readlink(path)
        elif path.is_dir():
            out[rel] = "dir"
        else:
            try:
                out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                out[rel] = "unreadable"
    return out


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2, f"exit code {code}, stderr: {err}"
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("benchlab: error: "), err
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"


def cli(capsys, *args) -> tuple[int, str, str]:
    """Run the command in this process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def expect_error(capsys, root: Path, args, *fragments: str) -> str:
    """Run `args` in this process and assert the whole fault contract under `root`; returns stderr."""
    before = snapshot(root)
    code, _, err = cli(capsys, *args)
    assert_one_line_error(code, err, *fragments)
    assert snapshot(root) == before, "the failing command changed files"
    return err


def environment(**extra) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), *extra.pop("path", [])])}
    env.update(extra)
    return env


def benchlab_command(*args) -> list[str]:
    return [sys.executable, "-m", "benchlab", *map(str, args)]


def run_benchlab(*args, cwd=None, env=None, timeout=120, stdin=subprocess.DEVNULL, prefix=()) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, *benchlab_command(*args)], cwd=cwd or REPO, env=env or environment(),
                          capture_output=True, text=True, timeout=timeout, stdin=stdin)


def unprivileged_prefix() -> list[str]:
    """A command prefix under which file permissions apply to benchlab, or a clear skip.

    As a non-root user nothing is needed. As root, `setpriv` drops the capabilities that
    bypass file permissions (DAC override, DAC read-search, fowner), so a folder owned by
    another user and not writable by others is refused as it would be for anyone.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot run benchlab where file permissions apply")
    probe = subprocess.run([setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner", "true"],
                           capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"setpriv cannot drop capabilities here ({probe.stderr.decode().strip()})")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def unwritable_folder(path: Path) -> Path:
    """A folder nobody but its owner (another user when we are root) may write into."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        os.chown(path, 65534, 65534)
    path.chmod(0o555)
    return path


def toy_experiment(folder: Path, *, seeds: int = 2, queries: int = 12, strategies: str = "", extra: str = "",
                   benchmarks=(TOY,)) -> Path:
    strategies = strategies or '[strategies.rs]\nname = "rs"\n[strategies.re]\nname = "re"\n' \
                               'hyperparameters = { population_size = 5, sample_size = 2 }\n'
    names = ", ".join(f'"{b}"' for b in benchmarks)
    path = folder / "experiment.toml"
    path.write_text(f'name = "faults"\nseed = 3\nseeds = {seeds}\nbenchmarks = [{names}]\n{extra}\n'
                    f"[budget]\nqueries = {queries}\n\n{strategies}")
    return path
