"""NB101 conversion target: a full-size only108-like file (423,624 cells x 3 repeats = 1,270,872
records, official record layout) converts in <= 90 s with <= 2 GB peak memory on 2 cores.

The conversion runs in a fresh interpreter with 2 worker processes, watched from outside through
/proc every 0.1 s: `extra_info` records the wall time (including the interpreter's start), the
CPU seconds of the whole process tree, the peaks of the tree's summed proportional set size
(PSS: shared pages counted once) and resident set size (RSS: an upper bound), and the main
process's own peak RSS (VmHWM, which sampling cannot miss). On a shared machine the wall time also
measures the neighbours; `cpu_s` does not, and `cpu_s / 2` is what 2 free cores would need at
best. The cells are distinct 7-vertex cells (see tests/io/synthetic_nb101.py) with
their real module hashes, so the converter's hash check does its full work; computing those
hashes once takes minutes, so they are cached in pytest's cache folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import h5py
import numpy as np
import pytest

from tests.io.synthetic_nb101 import OPS, chain_cells, write_synthetic_nb101

N_CELLS = 423_624
REPEATS = 3
MAX_EDGES = 10  # chains of 7 vertices with up to 4 extra edges
TIME_TARGET_S = 90.0
MEMORY_TARGET_MB = 2048.0
JOBS = 2
CACHE_VERSION = 1

# The main process's peak RSS is read from VmHWM: ru_maxrss would survive the exec and report
# the (large) benchmark process this one was forked from.
_CONVERT = """
import json, sys, time
from benchlab.io.nb101_convert import convert_nb101
start = time.perf_counter()
convert_nb101(sys.argv[1], sys.argv[2], progress=False, jobs=int(sys.argv[3]))
with open("/proc/self/status") as fh:
    peak_kb = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
print(json.dumps({"convert_s": time.perf_counter() - start, "main_rss_mb": peak_kb / 1024}))
"""
_TICK = os.sysconf("SC_CLK_TCK")


def _process_tree(root: int) -> list[int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    parents[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def _memory_and_cpu(pid: int) -> tuple[float, float, float]:
    """(PSS MB, RSS MB, user+system CPU seconds) of one process, zeros once it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            sizes = {line.split(":")[0]: int(line.split()[1]) / 1024 for line in fh if line.startswith(("Pss:", "Rss:"))}
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return sizes["Pss"], sizes["Rss"], (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, KeyError):
        return 0.0, 0.0, 0.0


def _run_watched(args: list[str]) -> tuple[subprocess.CompletedProcess, dict]:
    """Run a command, sampling its process tree: (its result, {peak summed PSS and RSS in MB,
    CPU seconds of the tree})."""
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_pss = peak_rss = 0.0
    cpu: dict[int, float] = {}
    while process.poll() is None:
        pss = rss = 0.0
        for pid in _process_tree(process.pid):
            p, r, seconds = _memory_and_cpu(pid)
            pss, rss = pss + p, rss + r
            cpu[pid] = max(cpu.get(pid, 0.0), seconds)
        peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
        time.sleep(0.1)
    out, err = process.communicate()
    figures = {"peak_pss_mb": peak_pss, "peak_rss_sum_mb": peak_rss, "cpu_s": sum(cpu.values())}
    return subprocess.CompletedProcess(args, process.returncode, out, err), figures


def _keys(matrices: np.ndarray, ops: np.ndarray) -> list[str]:
    from benchlab.spaces.nb101 import Cell, NB101Space

    space = NB101Space(max_vertices=7, max_edges=MAX_EDGES)
    return [space.key(Cell(m, ["input", *(OPS[i] for i in o), "output"])) for m, o in zip(matrices, ops.tolist())]


def _module_hashes(matrices: np.ndarray, ops: np.ndarray, cache_file: Path) -> list[str]:
    if cache_file.exists():
        cached = np.load(cache_file)
        if len(cached) == len(matrices):
            return [h.decode() for h in cached]
    chunk = 16_384
    with ProcessPoolExecutor(max_workers=JOBS) as pool:
        parts = pool.map(_keys, *zip(*((matrices[i : i + chunk], ops[i : i + chunk]) for i in range(0, len(matrices), chunk))))
        hashes = [h for part in parts for h in part]
    np.save(cache_file, np.array(hashes, dtype="S32"))
    return hashes


@pytest.fixture(scope="module")
def full_size_file(tmp_path_factory, request) -> tuple[Path, dict]:
    matrices, ops = chain_cells(np.random.default_rng(0), N_CELLS, n_vertices=7, extra_edges=4)
    cache_plugin = getattr(request.config, "cache", None)  # absent under -p no:cacheprovider
    cache = Path(cache_plugin.mkdir("benchlab-nb101-synthetic")) if cache_plugin else tmp_path_factory.mktemp("hashes")
    hashes = _module_hashes(matrices, ops, cache / f"hashes-{N_CELLS}-v{CACHE_VERSION}.npy")
    path = tmp_path_factory.mktemp("nb101") / "only108-like.tfrecord"
    start = time.perf_counter()
    info = write_synthetic_nb101(path, matrices, ops, hashes, epochs=(108,), repeats=REPEATS)
    info["generate_s"] = time.perf_counter() - start
    info["hashes"] = hashes
    return path, info


@pytest.mark.slow
def test_convert_full_size_only108_like_file(benchmark, full_size_file, tmp_path):
    src, info = full_size_file
    dst = tmp_path / "nasbench101.h5"
    figures = {}

    def convert():
        start = time.perf_counter()
        done, watched = _run_watched([sys.executable, "-c", _CONVERT, str(src), str(dst), str(JOBS)])
        assert done.returncode == 0, done.stderr
        figures.update(json.loads(done.stdout.splitlines()[-1]), wall_s=time.perf_counter() - start)
        figures.update(watched, load_average_1min=os.getloadavg()[0])

    benchmark.pedantic(convert, rounds=1, iterations=1)
    figures["records"] = N_CELLS * REPEATS
    figures["source_mb"] = src.stat().st_size / 2**20
    figures["generate_s"] = info["generate_s"]
    benchmark.extra_info.update({k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()})
    print(json.dumps(benchmark.extra_info))

    with h5py.File(dst, "r") as h5:
        assert h5["metrics"].shape == (N_CELLS, 1, REPEATS, 2, 4)
        assert h5.attrs["max_vertices"] == 7 and h5.attrs["max_edges"] == MAX_EDGES
        rows = np.random.default_rng(1).choice(N_CELLS, 1000, replace=False)
        rows.sort()
        assert [h.decode() for h in h5["hash"][rows]] == [info["hashes"][i] for i in rows]
        assert np.array_equal(h5["metrics"][rows], info["metrics"][rows])
    # Memory: the sampled PSS sum can miss a short peak of the main process, its VmHWM cannot
    # (that peak falls between the two worker pools). The RSS sum counts the pages forked
    # workers share with the main process once per process: an upper bound, recorded only.
    assert max(figures["peak_pss_mb"], figures["main_rss_mb"]) <= MEMORY_TARGET_MB, figures
    assert min(figures["wall_s"], figures["cpu_s"] / JOBS) <= TIME_TARGET_S, figures
