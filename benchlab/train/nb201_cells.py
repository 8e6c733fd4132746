"""How `benchlab verify` names NB201 cells: the benchmark's string or the 6 op indices.

A cell is written as the benchmark writes it, `|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|...|`,
or as its 6 op indices (0 none, 1 skip_connect, 2 nor_conv_1x1, 3 nor_conv_3x3,
4 avg_pool_3x3), either "333132" or the table's key "3,3,3,1,3,2". In a comma-separated
list (`--cells`) a key's six digits stay together: runs of single digits are read in sixes.
Live runs are cached under "nb201-DATASET-KEY", as each dataset trains its own network.
"""

from __future__ import annotations

import numpy as np

from benchlab.errors import UserError
from benchlab.spaces.nb201 import EDGES, OPS
from benchlab.train.verify import CellSpec


def split_cell_list(text: str) -> list[str]:
    """Cells of a comma-separated list, the six digits of a key "3,3,3,1,3,2" kept together."""
    cells, digits = [], []
    for token in [t.strip() for t in text.split(",")] + [""]:  # "" ends the last run of digits
        if len(token) == 1 and token.isdigit():
            digits.append(token)
            if len(digits) == len(EDGES):
                cells.append(",".join(digits))
                digits = []
            continue
        if digits:
            raise UserError(
                f"--cells {text!r}: {','.join(digits)} is not six op indices; write an NB201 cell as "
                "3,3,3,1,3,2, 333132 or |nor_conv_3x3~0|+|...|"
            )
        if token:
            cells.append(token)
    return cells


def resolve_nb201_cells(specs, table) -> list[CellSpec]:
    """Each spec parsed by the table's space (a clear error naming the broken rule), once each."""
    found: dict[str, CellSpec] = {}
    dataset = table.name.split("/", 1)[-1]
    for spec in specs:
        spec = spec.strip()
        if not spec:
            continue
        arch = table.space.parse(spec)
        key = table.space.key(arch)
        found.setdefault(key, CellSpec(key, np.zeros((0, 0), np.uint8), tuple(OPS[i] for i in arch), arch,
                                       cache_key=f"nb201-{dataset}-{key}"))
    if not found:
        raise UserError("no cells to verify; give --cells CELL[,CELL...] or --from an experiment folder")
    return list(found.values())
