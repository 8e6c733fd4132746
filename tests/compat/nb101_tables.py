"""Small NB101 HDF5 tables written directly in the agreed layout (format_version 1), for tests.

Written with h5py here rather than through the converter, so that the benchmark's reader is
checked against the layout itself and not only against the writer's reading of it.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from benchlab.spaces.nb101 import LABELS, Cell, NB101Space, official_module_hash


def distinct_cells(n: int, seed: int = 0, max_vertices: int = 7, max_edges: int = 9) -> list[Cell]:
    """`n` sampled cells with distinct official hashes, each as its pruned form."""
    space = NB101Space(max_vertices, max_edges)
    rng = np.random.default_rng(seed)
    cells, seen = [], set()
    while len(cells) < n:
        cell = space.prune(space.sample(rng))
        key = official_module_hash(cell, None)
        if key not in seen:
            seen.add(key)
            cells.append(cell)
    return cells


def isomorphic_variant(cell: Cell, rng: np.random.Generator) -> Cell:
    """The same network with its interior vertices renumbered (still upper triangular) and a
    dangling vertex added (pruned away)."""
    n = cell.num_vertices
    order = list(range(1, n - 1))
    m = cell.matrix
    for _ in range(50):  # a random topological order of the interior
        rng.shuffle(order)
        perm = [0, *order, n - 1]
        pm = m[np.ix_(perm, perm)]
        if not np.tril(pm).any():
            break
    else:
        perm, pm = list(range(n)), m
    ops = [cell.ops[v] for v in perm]
    big = np.zeros((n + 1, n + 1), dtype=np.uint8)
    big[:n - 1, :n - 1] = pm[:n - 1, :n - 1]
    big[:n - 1, n] = pm[:n - 1, n - 1]
    big[0, n - 1] = 1  # the extra vertex n-1 is fed by the input but feeds nothing
    return Cell(big, ops[:-1] + ["conv3x3-bn-relu", "output"])


def random_metrics(n: int, epochs=(4, 12, 36, 108), repeats: int = 3, seed: int = 0) -> np.ndarray:
    """(n, E, R, 2, 4) metrics shaped like the official ones: accuracies rise, times grow with epochs."""
    rng = np.random.default_rng(seed)
    metrics = np.empty((n, len(epochs), repeats, 2, 4))
    for e, budget in enumerate(epochs):
        for h, fraction in ((0, 0.5), (1, 1.0)):
            level = 0.5 + 0.45 * (1 - np.exp(-budget * fraction / 20))
            metrics[:, e, :, h, 0] = np.clip(level + rng.normal(0, 0.03, (n, repeats)) + 0.03, 0, 1)
            metrics[:, e, :, h, 1] = np.clip(level + rng.normal(0, 0.03, (n, repeats)), 0, 1)
            metrics[:, e, :, h, 2] = np.clip(level + rng.normal(0, 0.03, (n, repeats)) - 0.01, 0, 1)
            metrics[:, e, :, h, 3] = budget * fraction * rng.uniform(10, 30, (n, repeats))
    return metrics


def write_table(
    path: str | Path,
    cells: list[Cell],
    metrics: np.ndarray,
    *,
    epochs=(4, 12, 36, 108),
    params: np.ndarray | None = None,
    hashes: list[str] | None = None,
    max_edges: int = 9,
    fmt: str = "benchlab-nb101",
    version: int = 1,
) -> Path:
    path = Path(path)
    n = len(cells)
    max_vertices = max(c.num_vertices for c in cells)
    adjacency = np.zeros((n, max_vertices, max_vertices), dtype=np.uint8)
    ops = np.full((n, max_vertices), -3, dtype=np.int8)
    for i, cell in enumerate(cells):
        v = cell.num_vertices
        adjacency[i, :v, :v] = cell.matrix
        ops[i, :v] = [LABELS[o] for o in cell.ops]
    if hashes is None:
        hashes = [official_module_hash(c, None) for c in cells]
    if params is None:
        params = np.arange(n, dtype=np.int64) * 1000 + 227274
    current_epoch = np.empty(metrics.shape[:4])
    current_epoch[..., 0] = np.asarray(epochs)[None, :, None] / 2
    current_epoch[..., 1] = np.asarray(epochs)[None, :, None]
    current_epoch[np.isnan(metrics[..., 1])] = np.nan
    with h5py.File(path, "w") as fh:
        fh.attrs.update(
            format=fmt, format_version=version, source_name="synthetic.tfrecord", source_sha256="0" * 64,
            max_vertices=max_vertices, max_edges=max_edges, epochs=np.asarray(epochs, dtype=np.int64),
            repeats=metrics.shape[2],
        )
        fh["hash"] = np.array(hashes, dtype="S32")
        fh["num_vertices"] = np.array([c.num_vertices for c in cells], dtype=np.uint8)
        fh["adjacency"] = adjacency
        fh["ops"] = ops
        fh["trainable_parameters"] = np.asarray(params, dtype=np.int64)
        fh["metrics"] = metrics
        fh["current_epoch"] = current_epoch
    return path


def stack_cells(cells: list[Cell], width: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(num_vertices, adjacency, ops) arrays of cells, as a table stores them (padding ops -3)."""
    width = width or max(c.num_vertices for c in cells)
    nv = np.array([c.num_vertices for c in cells], dtype=np.uint8)
    adj = np.zeros((len(cells), width, width), dtype=np.uint8)
    ops = np.full((len(cells), width), -3, dtype=np.int8)
    for i, c in enumerate(cells):
        adj[i, : c.num_vertices, : c.num_vertices] = c.matrix
        ops[i, : c.num_vertices] = [LABELS[o] for o in c.ops]
    return nv, adj, ops
