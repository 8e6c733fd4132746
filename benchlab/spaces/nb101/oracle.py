"""The official NAS-Bench-101 pruning and module hash, verbatim in behaviour: the oracle.

Slow by design (numpy scalar indexing, MD5 of hex strings: about 0.25 ms a cell); the
fast paths of this package are tested equal to it.
"""

from __future__ import annotations

import hashlib

import numpy as np

from benchlab.errors import InvalidArchitectureError
from benchlab.spaces.nb101.cell import LABELS, Cell

def official_prune(matrix, ops) -> tuple[np.ndarray, list[str]]:
    """The official pruning: drop every vertex not on an input->output path.

    Follows `nasbench.api.ModelSpec._prune`; raises InvalidArchitectureError when the input
    cannot reach the output.
    """
    cell = matrix if isinstance(matrix, Cell) else Cell(matrix, ops)
    original = cell.matrix
    num_vertices = original.shape[0]
    visited_from_input = {0}
    frontier = [0]
    while frontier:
        top = frontier.pop()
        for v in range(top + 1, num_vertices):
            if original[top, v] and v not in visited_from_input:
                visited_from_input.add(v)
                frontier.append(v)
    visited_from_output = {num_vertices - 1}
    frontier = [num_vertices - 1]
    while frontier:
        top = frontier.pop()
        for v in range(0, top):
            if original[v, top] and v not in visited_from_output:
                visited_from_output.add(v)
                frontier.append(v)
    extraneous = set(range(num_vertices)) - (visited_from_input & visited_from_output)
    if len(extraneous) > num_vertices - 2:
        raise InvalidArchitectureError(_DISCONNECTED)
    keep = [v for v in range(num_vertices) if v not in extraneous]
    return original[np.ix_(keep, keep)].copy(), [cell.ops[v] for v in keep]


_DISCONNECTED = (
    "disconnected: no path from the input to the output; add edges so that the input "
    "reaches the output"
)


def _hash_module(matrix: np.ndarray, labeling: list[int]) -> str:
    """`nasbench.lib.graph_util.hash_module`, verbatim in behaviour (the oracle)."""
    vertices = np.shape(matrix)[0]
    in_edges = np.sum(matrix, axis=0).tolist()
    out_edges = np.sum(matrix, axis=1).tolist()
    hashes = list(zip(out_edges, in_edges, labeling))
    hashes = [hashlib.md5(str(h).encode("utf-8")).hexdigest() for h in hashes]
    for _ in range(vertices):
        new_hashes = []
        for v in range(vertices):
            in_neighbors = [hashes[w] for w in range(vertices) if matrix[w, v]]
            out_neighbors = [hashes[w] for w in range(vertices) if matrix[v, w]]
            new_hashes.append(
                hashlib.md5(
                    (
                        "".join(sorted(in_neighbors))
                        + "|"
                        + "".join(sorted(out_neighbors))
                        + "|"
                        + hashes[v]
                    ).encode("utf-8")
                ).hexdigest()
            )
        hashes = new_hashes
    return hashlib.md5(str(sorted(hashes)).encode("utf-8")).hexdigest()


def official_module_hash(matrix, ops) -> str:
    """The official NAS-Bench-101 module hash of a cell (pruned first, as the API does).

    `matrix` may also be a `Cell` (then `ops` is ignored). Slow by design: the test oracle.
    """
    pruned, pruned_ops = official_prune(matrix, ops)
    return _hash_module(pruned, [LABELS[o] for o in pruned_ops])

