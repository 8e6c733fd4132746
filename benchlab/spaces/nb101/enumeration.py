"""Enumerating the NB101 space: pruned structures and the number of distinct cells."""

from __future__ import annotations

import itertools
from types import MappingProxyType

from benchlab.spaces.nb101.canonical import _edge_code, canonical_structure
from benchlab.spaces.nb101.cell import OPS


# Number of distinct cells (official module hashes). (4, 9) and (5, 9): the two real
# NB101-format files are complete tables of those spaces and hold 91 and 2,532 cells;
# (7, 9): the NAS-Bench-101 paper's count of unique cells. tests/spaces/test_nb101.py
# re-derives all three by enumerating canonical classes.
KNOWN_SIZES = MappingProxyType({(4, 9): 91, (5, 9): 2532, (7, 9): 423_624})


def pruned_structures(max_vertices: int, max_edges: int):
    """Every pruned adjacency (each vertex on an input->output path) as (n, edges), for
    2 <= n <= max_vertices and at most max_edges edges. In an upper-triangular DAG a vertex
    is on such a path iff it has an in-edge (unless input) and an out-edge (unless output).
    """

    def extend(n, v, edges, out_degree):
        # choose the non-empty set of in-neighbours of vertex v, for v = 1..n-1
        if v == n:
            if all(out_degree[:-1]):
                yield n, list(edges)
            return
        for r in range(1, min(v, max_edges - len(edges)) + 1):
            for sources in itertools.combinations(range(v), r):
                for s in sources:
                    out_degree[s] += 1
                yield from extend(n, v + 1, edges + [(s, v) for s in sources], out_degree)
                for s in sources:
                    out_degree[s] -= 1

    for n in range(2, max_vertices + 1):
        yield from extend(n, 1, [], [0] * n)


def count_cells(max_vertices: int, max_edges: int) -> int:
    """Number of isomorphism classes of valid cells, by Burnside's lemma per structure.

    Isomorphic cells share a module hash, so this is an upper bound on the number of
    keys; it equals it on (4, 9), (5, 9) and (7, 9), where the keys are known.

    For each canonical structure, the kept canonical orders form a coset of its
    automorphism group; the number of distinct op labelings up to automorphism is the
    average over the group of 3^(cycles on the interior).
    """
    total = 0
    seen = set()
    for n, edges in pruned_structures(max_vertices, max_edges):
        code, orders = canonical_structure(n, _edge_code(edges, range(n), n))
        if (n, code) in seen:
            continue
        seen.add((n, code))
        if n == 2:
            total += 1
            continue
        first = {old: new for new, old in enumerate(orders[0])}
        fixed = 0
        for order in orders:
            # automorphism: canonical position -> old vertex (order) -> canonical position (first)
            perm = [first[old] for old in order]
            cycles, visited = 0, [False] * len(perm)
            for start in range(len(perm)):
                if not visited[start]:
                    cycles += 1
                    k = start
                    while not visited[k]:
                        visited[k] = True
                        k = perm[k]
            fixed += len(OPS) ** cycles
        total += fixed // len(orders)
    return total

