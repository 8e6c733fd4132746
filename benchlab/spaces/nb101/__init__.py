"""The NAS-Bench-101 cell search space.

A cell is a DAG of at most `max_vertices` vertices given by an upper-triangular 0/1
adjacency matrix and one operation label per vertex (`input` first, `output` last, the
three NB101 operations in between). The official rules are followed exactly: vertices
that are not on an input->output path are pruned away, and validity (vertex and edge
limits) is judged on the pruned cell. A cell's key is the official NAS-Bench-101
`module_hash` of its pruned form, because every published result and file is keyed by it.

The package, one concept a module:

- `cell.py`: the `Cell` value type (checked on construction; hashed by its raw bytes).
- `oracle.py`: the official pruning and module hash, verbatim in behaviour (the oracle).
- `pruning.py`: the official pruning rule on bitmasks, the one implementation used by the
  space, the benchmark's structural index, the drop-in API and the PyTorch network.
- `canonical.py`: canonical forms of pruned structures; the official hash from them.
- `fingerprint.py`: a 64-bit structural fingerprint, for one cell and for a whole table.
- `space.py`: `NB101Space` (keys through cached canonical forms, validity, text form);
  `moves.py` (sample, mutate, neighbours) and `encoding.py` (path/adjacency encodings,
  decisions); `enumeration.py` (pruned structures, Burnside counting).

Everything here is hand-written because no maintained library implements NAS-Bench-101's
rules without TensorFlow.
"""


from benchlab.spaces.nb101.cell import INPUT, LABELS, OPS, OUTPUT, Cell
from benchlab.spaces.nb101.enumeration import count_cells, pruned_structures
from benchlab.spaces.nb101.oracle import official_module_hash, official_prune
from benchlab.spaces.nb101.pruning import prune
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
    "official_prune",
    "count_cells",
    "pruned_structures",
]
