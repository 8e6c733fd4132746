"""Output paths of the wrong kind, or that cannot be written, end in one line before anything is written."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.faults.helpers import (
    REPO,
    assert_one_line_error,
    cli,
    environment,
    expect_error,
    run_benchlab,
    snapshot,
    toy_experiment,
    unprivileged_prefix,
    unwritable_folder,
)


def _compare(config, out, *extra):
    return ["compare", config, "--out", out, "--jobs", "1", "-q", *extra]


WRONG_KINDS = {
    "--out is a file": (lambda out: out.write_text("mine"), "is a file, not a folder"),
    "--out under a file": (lambda out: out.parent.write_text("mine"), "is a file, not a folder"),
    "manifest.json is a folder": (lambda out: (out / "manifest.json").mkdir(parents=True), "manifest.json is a folder"),
    "runs is a file": (lambda out: (out.mkdir(), (out / "runs").write_text("mine")), "runs is a file"),
    "index.html is a folder": (lambda out: (out / "index.html").mkdir(parents=True), "index.html is a folder"),
    "figures is a file": (lambda out: (out.mkdir(), (out / "figures").write_text("x")), "figures is a file"),
}


@pytest.mark.parametrize("case", WRONG_KINDS, ids=list(WRONG_KINDS))
def test_compare_refuses_paths_of_the_wrong_kind(tmp_path, capsys, case):
    make, fragment = WRONG_KINDS[case]
    out = tmp_path / "plain" / "exp" if case == "--out under a file" else tmp_path / "exp"
    make(out)
    expect_error(capsys, tmp_path, _compare(toy_experiment(tmp_path, seeds=1), out), fragment)


def test_report_refuses_a_folder_where_its_page_goes(tmp_path, capsys):
    out = tmp_path / "exp"
    assert cli(capsys, *_compare(toy_experiment(tmp_path, seeds=1), out, "--no-report"))[0] == 0
    (out / "report.md").mkdir()
    expect_error(capsys, tmp_path, ["report", out, "-q"], "report.md is a folder")


def test_validate_refuses_an_out_that_is_a_file(tmp_path, capsys):
    out = tmp_path / "validate"
    out.write_text("mine")
    expect_error(capsys, tmp_path, ["validate", "tests.faults.strategies:ChecksItsSize", "--benchmarks",
                                    "tests.toy:make_toy_benchmark", "--seeds", "2", "--budget-queries", "5",
                                    "--jobs", "1", "-q", "--out", out, "--against", "rs"], "is a file, not a folder")


def test_download_refuses_a_folder_at_the_file_name_and_a_linked_part_file(tmp_path, capsys):
    source = tmp_path / "source.bin"
    source.write_bytes(b"data")
    out = tmp_path / "dl"
    (out / "nasbench_only108.tfrecord").mkdir(parents=True)
    args = ["data", "download", "nb101", "--url", str(source), "--out", out, "--quiet", "--sha256", "0" * 64]
    expect_error(capsys, tmp_path, args, "is a folder, not a file")

    (out / "nasbench_only108.tfrecord").rmdir()
    target = tmp_path / "precious.txt"
    target.write_text("do not overwrite")
    (out / "nasbench_only108.tfrecord.part").symlink_to(target)
    expect_error(capsys, tmp_path, args, ".part is a link or folder")
    assert target.read_text() == "do not overwrite"


@pytest.mark.parametrize("url", ["http://[::1/x", "http://host:notaport/x", "gopher://x/y"])
def test_download_refuses_malformed_urls(tmp_path, capsys, url):
    expect_error(capsys, tmp_path, ["data", "download", "nb101", "--url", url, "--out", tmp_path / "dl", "--quiet"],
                 url[:12])


# -- permissions: benchlab runs where file permissions apply to it (see unprivileged_prefix) --------------------
@pytest.mark.slow
def test_unwritable_folders_for_compare_validate_report_and_download(tmp_path):
    prefix = unprivileged_prefix()
    root = tmp_path / "work"
    root.mkdir()
    locked = unwritable_folder(root / "locked")
    config = toy_experiment(root, seeds=1)
    done = root / "done"
    assert run_benchlab(*_compare(config, done, "--no-report")).returncode == 0
    unwritable_folder(done)
    source = root / "source.bin"
    source.write_bytes(b"data")
    cases = [
        (_compare(config, locked / "exp"), "permission denied"),
        (_compare(config, done), "permission denied"),
        (["validate", "tests.faults.strategies:ChecksItsSize", "--benchmarks", "tests.toy:make_toy_benchmark",
          "--seeds", "2", "--budget-queries", "5", "--jobs", "1", "-q", "--out", locked / "v", "--against", "rs"],
         "permission denied"),
        (["report", done, "-q"], "permission denied"),
        (["data", "download", "nb101", "--url", str(source), "--out", locked / "dl", "--quiet"], "permission denied"),
    ]
    env = environment(MPLCONFIGDIR=str(tmp_path / "mpl"))
    # matplotlib builds its font cache in a fresh config folder and, when that takes over 5 s
    # (a loaded machine), says so on stderr: build it first, so stderr holds only the error
    subprocess.run([*prefix, sys.executable, "-c", "import matplotlib.font_manager"], env=env, capture_output=True, check=True)
    for args, fragment in cases:
        before = snapshot(root)
        result = run_benchlab(*args, prefix=prefix, env=env, cwd=REPO)
        assert_one_line_error(result.returncode, result.stderr, fragment)
        assert snapshot(root) == before, args
