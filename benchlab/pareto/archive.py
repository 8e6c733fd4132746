"""A run's non-dominated archive and its hypervolume, updated one evaluation at a time.

Points are normalised losses (lower is better in every objective) inside the reference box.
For two objectives the archive is a staircase kept sorted by the first objective, and the
hypervolume changes by the area the new point adds: written by hand, because moocore offers
no incremental update (its `hypervolume` recomputes from scratch). For three objectives the
archive filters dominated points with numpy and recomputes the hypervolume with moocore, only
when the archive changed.
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import compress

import moocore
import numpy as np


class Archive2D:
    """Non-dominated points of two objectives and their hypervolume w.r.t. `reference`."""

    def __init__(self, reference):
        self.reference = (float(reference[0]), float(reference[1]))
        self._x: list[float] = []  # ascending
        self._y: list[float] = []  # strictly descending
        self._ids: list = []
        self.hypervolume = 0.0

    def add(self, point, ident=None) -> bool:
        """Insert `point` unless an archived point weakly dominates it; True when it joined."""
        x, y = float(point[0]), float(point[1])
        rx, ry = self.reference
        if not (x < rx and y < ry):
            return False  # outside the reference box: it adds no volume, and fronts never reach it
        xs, ys = self._x, self._y
        n = len(xs)
        i = bisect_left(xs, x)
        if (i > 0 and ys[i - 1] <= y) or (i < n and xs[i] == x and ys[i] <= y):
            return False
        j = i
        while j < n and ys[j] >= y:  # the points p dominates are contiguous from i
            j += 1
        # volume is a sum of slabs (next x - x) * (ry - y); only the slabs around i change
        old_next = xs[i] if i < n else rx
        new_next = xs[j] if j < n else rx
        delta = (new_next - x) * (ry - y)
        if i > 0:
            delta -= (old_next - x) * (ry - ys[i - 1])
        for t in range(i, j):
            delta -= ((xs[t + 1] if t + 1 < n else rx) - xs[t]) * (ry - ys[t])
        xs[i:j] = [x]
        ys[i:j] = [y]
        self._ids[i:j] = [ident]
        self.hypervolume += delta
        return True

    @property
    def points(self) -> np.ndarray:
        return np.column_stack([self._x, self._y]) if self._x else np.empty((0, 2))

    @property
    def ids(self) -> list:
        return list(self._ids)

    def __len__(self) -> int:
        return len(self._x)


class ArchiveND:
    """The same contract for any number of objectives (used for three): moocore recomputes.

    Points live in a growing buffer, so an update that removes nothing copies nothing."""

    def __init__(self, reference):
        self.reference = np.asarray(reference, dtype=float)
        self._buffer = np.empty((64, len(self.reference)))
        self._n = 0
        self._ids: list = []
        self.hypervolume = 0.0

    def add(self, point, ident=None) -> bool:
        p = np.asarray(point, dtype=float)
        if not (p < self.reference).all():
            return False
        n = self._n
        if n:
            pts = self._buffer[:n]
            if (pts <= p).all(axis=1).any():
                return False
            dominated = (pts >= p).all(axis=1)
            if dominated.any():
                keep = ~dominated
                n = int(keep.sum())
                self._buffer[:n] = pts[keep]
                self._ids = list(compress(self._ids, keep.tolist()))
        if n == len(self._buffer):
            self._buffer = np.concatenate([self._buffer, np.empty_like(self._buffer)])
        self._buffer[n] = p
        self._n = n + 1
        self._ids.append(ident)
        self.hypervolume = float(moocore.hypervolume(self._buffer[: self._n], ref=self.reference))
        return True

    @property
    def points(self) -> np.ndarray:
        return self._buffer[: self._n].copy()

    @property
    def ids(self) -> list:
        return list(self._ids)

    def __len__(self) -> int:
        return self._n


def make_archive(reference):
    """The fastest archive for the number of objectives in `reference`."""
    return Archive2D(reference) if len(reference) == 2 else ArchiveND(reference)
