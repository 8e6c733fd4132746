"""Canonical forms of pruned NB101 structures, and the official hash computed from them."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from operator import itemgetter

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


# ------------------------------------------------------------------ fast canonical forms
# Adjacency bits are handled as Python ints built by C-level calls (bytes.translate, int(.., 2))
# because per-entry Python loops would cost more than the whole cached lookup.
_ASCII01 = bytes.maketrans(b"\x00\x01", b"01")


def _out_masks(data: bytes, n: int) -> list[int]:
    """Out-neighbour bitmask of every vertex (bit j set when edge i->j)."""
    entries = int(data.translate(_ASCII01)[::-1], 2)  # bit i*n+j = entry (i, j)
    row = (1 << n) - 1
    return [entries >> (i * n) & row for i in range(n)]


# (n, kept-vertex mask) -> (kept vertices, reader of the kept rows and columns)
_PRUNED_VIEWS: dict[tuple[int, int], tuple[list[int], itemgetter | None]] = {}


def _pruned_view(n: int, keep: int) -> tuple[list[int], itemgetter | None]:
    view = _PRUNED_VIEWS.get((n, keep))
    if view is None:
        kept = [v for v in range(n) if keep >> v & 1]
        reader = itemgetter(*[u * n + w for u in kept for w in kept]) if len(kept) < n else None
        view = _PRUNED_VIEWS[(n, keep)] = (kept, reader)
    return view


def _prune_code(data: bytes, n: int) -> tuple[list[int], int] | None:
    """The official pruning on bitmasks: (kept vertices, code of the pruned adjacency with
    bit i*m+j = entry (i, j), m = len(kept)), or None when the input cannot reach the output.

    The matrix is upper-triangular, so one forward sweep finds everything the input
    reaches and one backward sweep everything that reaches the output.
    """
    text = data.translate(_ASCII01)
    entries = int(text[::-1], 2)  # bit i*n+j = entry (i, j)
    row = (1 << n) - 1
    forward = 1
    for u in range(n):
        if forward >> u & 1:
            forward |= entries >> (u * n) & row
    backward = 1 << (n - 1)
    for u in range(n - 2, -1, -1):
        if entries >> (u * n) & backward:
            backward |= 1 << u
    keep = forward & backward
    if not keep & 1:
        return None
    kept, reader = _pruned_view(n, keep)
    if reader is None:
        return kept, entries
    return kept, int(bytes(reader(text))[::-1], 2)


def _edges_of(code: int, n: int) -> list[tuple[int, int]]:
    return [divmod(k, n) for k in range(n * n) if code >> k & 1]


def _edge_code(edges, position, n: int) -> int:
    code = 0
    for u, w in edges:
        code |= 1 << (position[u] * n + position[w])
    return code


_STRUCTURES: dict[tuple[int, int], tuple[int, tuple[tuple[int, ...], ...]]] = {}


def _canonical_structure(n: int, code: int) -> tuple[int, tuple]:
    """(smallest adjacency code, every interior order reaching it) of a pruned DAG.

    Brute force over the (n-2)! interior orders, once per structure (cached): an order
    lists the old interior vertices in their new positions 1..n-2.
    """
    cached = _STRUCTURES.get((n, code))
    if cached is not None:
        return cached
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
    result = (best, tuple(orders))
    _STRUCTURES[(n, code)] = result
    return result

