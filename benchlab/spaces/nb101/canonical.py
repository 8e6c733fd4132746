"""Canonical forms of pruned NB101 structures, and the official hash computed from them.

The pruned adjacency (ops ignored) is canonicalised by brute force over the (n-2)! orders
of the interior vertices (input and output have unique labels, so they stay first and
last): the canonical structure code is the smallest adjacency bit code, and every order
that reaches it is kept (a coset of the structure's automorphism group). The (7, 9) space
has only 6,472 pruned structures. A cell's canonical form is
then (vertices, canonical code, smallest interior op sequence over the kept orders): the
lexicographic minimum of (adjacency, ops) over all relabelings, an exact isomorphism
invariant. `cell_structure` gives a raw cell's pruned structure with the canonical orders
as getters of its raw op codes. Hand-written: no maintained library implements
NAS-Bench-101's rules.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
from collections.abc import Sequence
from operator import itemgetter

from benchlab.spaces.nb101.pruning import members


def _module_hash_from_code(m: int, code: int, labels: Sequence[int]) -> str:
    """The same string as `_hash_module`, from a pruned adjacency code (bit i*m+j = edge i->j).

    The same MD5 inputs, built from neighbour lists instead of numpy scalar indexing (about
    4x faster); used once per canonical class, and tested equal to the oracle.
    """
    md5 = hashlib.md5
    outs = [[w for w in range(m) if code >> (v * m + w) & 1] for v in range(m)]
    ins = [[u for u in range(m) if code >> (u * m + v) & 1] for v in range(m)]
    hashes = [
        md5(f"({len(outs[v])}, {len(ins[v])}, {labels[v]})".encode()).hexdigest() for v in range(m)
    ]
    for _ in range(m):
        hashes = [
            md5(
                (
                    "".join(sorted([hashes[w] for w in ins[v]]))
                    + "|"
                    + "".join(sorted([hashes[w] for w in outs[v]]))
                    + "|"
                    + hashes[v]
                ).encode()
            ).hexdigest()
            for v in range(m)
        ]
    return md5(str(sorted(hashes)).encode()).hexdigest()


def _edges_of(code: int, n: int) -> list[tuple[int, int]]:
    return [divmod(k, n) for k in range(n * n) if code >> k & 1]


def _edge_code(edges, position, n: int) -> int:
    code = 0
    for u, w in edges:
        code |= 1 << (position[u] * n + position[w])
    return code


@functools.lru_cache(maxsize=1 << 15)
def canonical_structure(n: int, code: int) -> tuple[int, tuple]:
    """(smallest adjacency code, every interior order reaching it) of a pruned DAG with
    adjacency `code` (bit i*n+j = edge i->j). An order lists the old interior vertices in
    their new positions 1..n-2.

    Brute force over (n-2)! orders, so remembered (a pure function's memo, shared by every
    space in the process: a fresh space meets the structures an earlier one canonicalised).
    """
    edges = _edges_of(code, n)
    best, orders = None, []
    position = [0] * n
    position[n - 1] = n - 1
    for order in itertools.permutations(range(1, n - 1)):
        for new, old in enumerate(order, start=1):
            position[old] = new
        candidate = _edge_code(edges, position, n)
        if best is None or candidate < best:
            best, orders = candidate, [order]
        elif candidate == best:
            orders.append(order)
    return best, tuple(orders)


def pruned_code(kept: Sequence[int], kept_entries: int, n: int) -> int:
    """The pruned adjacency as a code with bit i*m+j = edge kept[i] -> kept[j] (m =
    len(kept)), from the kept vertices and kept entries of `prune_entries` (n vertices)."""
    m = len(kept)
    if m == n:
        return kept_entries  # nothing pruned: the same bits
    position = {v: j for j, v in enumerate(kept)}
    row = (1 << n) - 1
    code = 0
    for i, u in enumerate(kept):
        for w in members(kept_entries >> (u * n) & row):
            code |= 1 << (i * m + position[w])
    return code


@functools.lru_cache(maxsize=1 << 15)
def cell_structure(n: int, kept: int, kept_entries: int) -> tuple:
    """(kept vertices, (m, canonical structure code, getters), pruned code) of an n-vertex
    cell with `prune_entries` result kept mask `kept` and kept entries `kept_entries`.

    The getters read the raw op codes of the kept interior vertices in each canonical order
    (one code, not a tuple, when m == 3: the same shape for every cell of that size). A pure
    function's memo, like `canonical_structure`: a never-seen raw cell whose pruned
    structure (at the same raw positions) was met before costs a pruning and this lookup.
    """
    vertices = members(kept)
    m = len(vertices)
    code = pruned_code(vertices, kept_entries, n)
    canonical_code, orders = canonical_structure(m, code)
    getters = tuple(itemgetter(*[vertices[v] for v in order]) for order in orders) if m > 2 else ()
    return vertices, (m, canonical_code, getters), code
