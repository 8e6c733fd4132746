"""The archive's incremental hypervolume equals a full recomputation after every step."""

from __future__ import annotations

import moocore
import numpy as np
import pytest

from benchlab.pareto.archive import Archive2D, ArchiveND, make_archive
from benchlab.pareto.front import nondominated


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("seed", range(3))
def test_incremental_hypervolume_equals_recomputation_after_every_step(k, seed):
    rng = np.random.default_rng(seed)
    reference = np.full(k, 1.1)
    archive = make_archive(reference)
    seen = []
    # a mix of random points, exact duplicates and points on shared coordinates
    points = rng.random((300, k))
    points[::7] = points[1::7][: len(points[::7])]
    points[::11, 0] = points[0, 0]
    for point in points:
        archive.add(point)
        seen.append(point)
        expected = moocore.hypervolume(np.array(seen), ref=reference)
        assert archive.hypervolume == pytest.approx(expected, rel=1e-12, abs=1e-12)
        mask = nondominated(np.array(seen))
        assert len(archive) == len(np.unique(np.array(seen)[mask], axis=0))


def test_two_objective_archive_by_hand():
    archive = Archive2D((4.0, 4.0))
    assert archive.add((1.0, 3.0), "a") and archive.hypervolume == pytest.approx(3.0)  # 3 x 1
    assert archive.add((3.0, 1.0), "b") and archive.hypervolume == pytest.approx(3.0 + 3.0 - 1.0)
    assert not archive.add((3.0, 3.0), "dominated") and archive.hypervolume == pytest.approx(5.0)
    assert archive.add((0.5, 0.5), "c") and archive.ids == ["c"] and archive.hypervolume == pytest.approx(12.25)
    assert not archive.add((5.0, 0.1)) and len(archive) == 1  # outside the reference box


def test_three_objective_archive_by_hand():
    archive = ArchiveND((2.0, 2.0, 2.0))
    archive.add((1.0, 1.0, 1.0), "a")
    assert archive.hypervolume == pytest.approx(1.0)
    archive.add((0.0, 1.5, 1.5), "b")  # adds a 1 x 0.5 x 0.5 slab beside the first box: 0.25 more
    assert archive.hypervolume == pytest.approx(1.25) and archive.ids == ["a", "b"]
