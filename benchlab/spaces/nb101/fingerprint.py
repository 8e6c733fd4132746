"""A 64-bit structural fingerprint of a pruned NB101 cell, for one cell and for a whole table.

Each kept vertex, in (topological) vertex order, gets a colour from its label and the sum
of its in-neighbours' colours; the fingerprint mixes the vertex count with the sum of all
colours:

    colour[v] = mix(SEED[label_v], sum of colour[u] over kept edges u -> v)
    F         = mix(SEED_SIZE + vertices, sum of colour[v])

with `mix` an explicit 64-bit mixer, (a + b) times an odd constant then an xor-shift, all
mod 2**64: few enough Python operations for a first sighting (it runs once per vertex),
and a mixer whose only job is to make structurally different networks rarely collide
(a collision costs an isomorphism check or the official key, never a wrong row). A
colour is a hash of the vertex's tree of ancestors, so F depends only on the network up to
isomorphism and only on what the official (Weisfeiler-Lehman) hash sees: cells with one
official hash share it. `mix` is written twice, for Python ints (one cell, a few
microseconds) and for numpy uint64 arrays (every row of a table at once); the tests pin
both to the same vectors. Hand-written because no library computes an invariant of these
labelled DAGs that is both vectorisable over a table and cheap for one small graph.
"""

from __future__ import annotations

import numpy as np

from benchlab.spaces.nb101.pruning import entries_of, members, prune_entries

M64 = (1 << 64) - 1
K = 0x9E3779B97F4A7C15  # 2**64 / golden ratio, odd
# one seed per official label, indexed by label + 2 (output -2, input -1, ops 0, 1, 2)
SEEDS = (0x243F6A8885A308D3, 0x13198A2E03707344, 0xA4093822299F31D0, 0x082EFA98EC4E6C89, 0x452821E638D01377)
SEED_SIZE = 0xBE5466CF34E90C6C


def mix(a: int, b: int) -> int:
    """The 64-bit mix of non-negative Python ints a and b (of any size: only a + b mod 2**64 counts)."""
    x = (a + b) * K & M64
    return x ^ x >> 31


def mix_array(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`mix` element-wise over uint64 arrays (numpy's uint64 arithmetic wraps mod 2**64)."""
    with np.errstate(over="ignore"):
        x = (a + b) * np.uint64(K)
        return x ^ (x >> np.uint64(31))


def cell_fingerprint(data: bytes, labels) -> tuple | None:
    """Prune and fingerprint one cell: (kept mask, out masks, colours, fingerprint, vertices,
    edges), or None when the input does not reach the output.

    `data` is the row-major n x n 0/1 adjacency as bytes, `labels` the official integer
    labels; out masks and colours are per raw vertex (colour 0 when pruned).
    """
    found = prune_entries(entries_of(data), len(labels))
    return None if found is None else pruned_fingerprint(found, labels)


def pruned_fingerprint(found: tuple, labels) -> tuple:
    """`cell_fingerprint` from the cell's `prune_entries` result."""
    kept, outs, kept_entries = found
    colours = [0] * len(labels)
    sums = [0] * len(labels)  # sum of the kept in-neighbours' colours (reduced by `mix`)
    total = 0
    for v in members(kept):
        colours[v] = colour = mix(SEEDS[labels[v] + 2], sums[v])
        total += colour
        for w in members(outs[v] & kept):
            sums[w] += colour
    size = kept.bit_count()
    return kept, outs, colours, mix(SEED_SIZE + size, total), size, kept_entries.bit_count()


def table_fingerprints(num_vertices: np.ndarray, adjacency: np.ndarray, ops: np.ndarray):
    """(fingerprint (n,) uint64, colours (n, V) uint64, pruned (n,) bool) of stored cells.

    Stored cells are pruned (the official files store each network's pruned form), so every
    present vertex counts; `pruned` is False for a row that is not (a vertex without an
    in-edge or an out-edge), whose fingerprint then means nothing. Loops only over the V
    vertex positions.
    """
    n, V = ops.shape
    adj = adjacency.astype(bool)
    size = num_vertices.astype(np.int64)
    position = np.arange(V)
    present = position[None, :] < size[:, None]
    last = position[None, :] == size[:, None] - 1
    has_in = adj.any(axis=1) | (position[None, :] == 0)
    has_out = adj.any(axis=2) | last
    pruned = np.all(~present | (has_in & has_out), axis=1)
    seeds = np.asarray(SEEDS, dtype=np.uint64)[np.clip(ops.astype(np.int64) + 2, 0, 4)]  # padding: any seed
    colours = np.zeros((n, V), dtype=np.uint64)
    zero = np.uint64(0)
    with np.errstate(over="ignore"):
        for v in range(V):
            into = np.where(adj[:, :v, v], colours[:, :v], zero).sum(axis=1, dtype=np.uint64)
            colours[:, v] = np.where(present[:, v], mix_array(seeds[:, v], into), zero)
        total = colours.sum(axis=1, dtype=np.uint64)
    return mix_array(np.uint64(SEED_SIZE) + size.astype(np.uint64), total), colours, pruned
