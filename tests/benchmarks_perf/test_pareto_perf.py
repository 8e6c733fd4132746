"""Speed targets of the run archive (run by `make bench`).

Archive update + hypervolume per evaluation over a 300-evaluation stream: <= 20 us with two
objectives (the hand-written incremental staircase), <= 200 us with three (numpy filter +
moocore's hypervolume, recomputed only when the archive changes). Two streams: uniform
random points, and points near a front, where almost every point joins and the archive
grows to hundreds. Beside each, the full recomputation the incremental update replaces
(moocore's hypervolume of everything seen, after every evaluation), as a ratio.
"""

from __future__ import annotations

import time

import moocore
import numpy as np
import pytest

from benchlab.pareto.archive import make_archive

N = 300
TARGET_S = {2: 20e-6, 3: 200e-6}


def stream(kind: str, k: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    if kind == "random":
        return rng.random((N, k))
    points = rng.dirichlet(np.ones(k), size=N)  # on the simplex: mutually non-dominated
    return np.clip(points + rng.normal(0, 0.002, points.shape), 0, 1)


def incremental(points, reference):
    archive = make_archive(reference)
    add = archive.add
    for i, p in enumerate(points):
        add(p, i)
    return archive.hypervolume


def recomputed(points, reference):
    hv = 0.0
    for i in range(1, len(points) + 1):
        hv = moocore.hypervolume(points[:i], ref=reference)
    return hv


@pytest.mark.benchmark(timer=time.process_time, group="archive")
@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("kind", ["random", "front"])
def test_archive_update_and_hypervolume_per_evaluation(benchmark, k, kind):
    points = stream(kind, k)
    reference = np.full(k, 1.1)
    points_list = [tuple(p) for p in points] if k == 2 else list(points)
    benchmark.pedantic(incremental, args=(points_list, reference), rounds=20, warmup_rounds=2)
    per_eval = benchmark.stats.stats.min / N
    started = time.process_time()
    full = recomputed(points, reference)
    full_per_eval = (time.process_time() - started) / N
    assert incremental(points_list, reference) == pytest.approx(full, rel=1e-12)
    benchmark.extra_info.update(per_evaluation_us=per_eval * 1e6, recompute_us=full_per_eval * 1e6)
    print(f"\n{k} objectives, {kind} stream: {per_eval * 1e6:.1f} us per evaluation "
          f"(full recomputation {full_per_eval * 1e6:.1f} us, {full_per_eval / per_eval:.1f}x)")
    assert per_eval <= TARGET_S[k]
