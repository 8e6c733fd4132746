"""Quality indicators of point sets, all from moocore (minimisation of normalised losses).

Hypervolume w.r.t. a reference point, IGD+ w.r.t. a reference front, and attainment surfaces
of the empirical attainment function (EAF) over several runs' final sets.
"""

from __future__ import annotations

import moocore
import numpy as np


def hypervolume(points, reference) -> float:
    """Volume dominated by `points` and bounded by `reference`; 0 for an empty set."""
    points = np.asarray(points, dtype=float)
    if points.size == 0:
        return 0.0
    return float(moocore.hypervolume(points, ref=np.asarray(reference, dtype=float)))


def igd_plus(points, front) -> float:
    """IGD+ of `points` to the reference `front` (Ishibuchi et al. 2015); inf for an empty set."""
    points = np.asarray(points, dtype=float)
    if points.size == 0:
        return float("inf")
    return float(moocore.igd_plus(points, ref=np.asarray(front, dtype=float)))


def attainment_surface(sets: list, percentile: float = 50.0) -> np.ndarray:
    """The `percentile`% attainment surface of a list of (n_i, k) point sets (one per run):
    the points attained by at least that share of the runs. Empty runs count as attaining nothing."""
    used = [np.asarray(s, dtype=float) for s in sets if len(s)]
    if not used:
        return np.empty((0, 2))
    points = np.vstack(used)
    labels = np.concatenate([np.full(len(s), i + 1) for i, s in enumerate(used)])
    # a run with no point still counts in the denominator: rescale the percentile to the runs used
    share = percentile * len(sets) / len(used)
    if share > 100:
        return np.empty((0, points.shape[1]))
    surface = moocore.eaf(points, sets=labels, percentiles=[share])
    return np.asarray(surface)[:, :-1]
