"""The NAS-Bench-101 cell search space.

A cell is a DAG of at most `max_vertices` vertices given by an upper-triangular 0/1
adjacency matrix and one operation label per vertex (`input` first, `output` last, the
three NB101 operations in between). The official rules are followed exactly: vertices
that are not on an input->output path are pruned away, and validity (vertex and edge
limits) is judged on the pruned cell. A cell's key is the official NAS-Bench-101
`module_hash` of its pruned form, because every published result and file is keyed by it.

Key path (why it is fast). `official_module_hash` is the official algorithm verbatim
(about 0.25 ms a call, mostly numpy scalar indexing and MD5 of hex strings); it stays the
oracle. `NB101Space.key` answers from three caches instead:

1. raw cell -> key. A `Cell` hashes by its raw bytes, so a cell seen before (the common
   case in evolution and local search) costs one dict lookup.
2. raw adjacency bytes -> pruning result and the *canonical relabelings* of the pruned
   structure. Pruning is done on integer bitmasks. The pruned adjacency (ops ignored) is
   canonicalised once per structure by brute force over the (n-2)! orders of the interior
   vertices (input and output have unique labels, so they stay first and last): the
   canonical structure code is the smallest adjacency bit code, and we keep every order
   that reaches it (a coset of the structure's automorphism group). The (7, 9) space has
   only 6,472 pruned structures, so this table stays tiny.
3. canonical form -> official key. The canonical form of a cell is (vertices, smallest
   adjacency code, smallest interior op sequence over the kept orders): the
   lexicographic minimum of (adjacency, ops) over all relabelings, i.e. an exact
   isomorphism invariant. The official string is computed once per canonical class, by
   `_module_hash_from_code`: the official MD5 inputs built from neighbour lists.

Isomorphic cells always get the same official hash, so answering a whole canonical class
with its first member's official hash is correct even where the canonical (isomorphism)
partition were finer than the hash's; on every table checked (the two real NB101-format
files and the enumerated (7, 9) space, which has exactly the published 423,624 classes)
the two partitions are identical. Everything here is hand-written because no maintained
library implements NAS-Bench-101's rules without TensorFlow.
"""


from benchlab.spaces.nb101.cell import INPUT, LABELS, OPS, OUTPUT, Cell
from benchlab.spaces.nb101.enumeration import count_cells, pruned_structures
from benchlab.spaces.nb101.oracle import official_module_hash, prune
from benchlab.spaces.nb101.space import NB101Space

__all__ = [
    "INPUT",
    "OUTPUT",
    "OPS",
    "LABELS",
    "Cell",
    "NB101Space",
    "prune",
    "official_module_hash",
    "count_cells",
    "pruned_structures",
]
