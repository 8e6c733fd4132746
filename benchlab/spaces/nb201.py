"""The NAS-Bench-201 cell space: 6 edges of a 4-node DAG, each carrying one of 5 operations.

An architecture is a tuple of 6 operation indices, one per edge in the standard order
(1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2), i.e. the order of the NB201 string
"|op~0|+|op~0|op~1|+|op~0|op~1|op~2|". All 5**6 = 15,625 cells are in the benchmark, so the
space is the categorical product of the edges; only the text form is NB201-specific.
"""

from __future__ import annotations

import numpy as np

from benchlab.errors import ConfigError, InvalidArchitectureError
from benchlab.spaces.categorical import CategoricalSpace, Dimension

OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
#: (to_node, from_node) of each edge, in the order of the NB201 string
EDGES = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
N_NODES = 4
#: the input->output routes of the cell as edge indices (into EDGES), shortest first
ROUTES = ((3,), (0, 4), (1, 5), (0, 2, 5))
#: ops that carry a signal along a route ("none" cuts it)
_PATH_OPS = OPS[1:]


class NB201Space(CategoricalSpace):
    """NB201 cells: mutation changes one edge's op, neighbours are the 24 one-edge changes,
    decisions are the 6 edge ops. `encoding` selects what `encode` returns: "onehot" (the
    default, 30 long: 6 edges x 5 ops) or "path" (`encode_path`, 84 long)."""

    #: length of `encode_path`'s vector: op sequences of length 1, 2 and 3 over 4 ops
    path_size = sum(len(_PATH_OPS) ** n for n in range(1, N_NODES))

    def __init__(self, encoding: str = "onehot") -> None:
        if encoding not in ("onehot", "path"):
            raise ConfigError(f"encoding must be 'onehot' or 'path', got {encoding!r}")
        dims = [Dimension(f"edge{to}<-{frm}", OPS) for to, frm in EDGES]
        super().__init__(dims, name="nb201")
        self.encoding = encoding

    @property
    def encoding_size(self) -> int:
        return self.path_size if self.encoding == "path" else super().encoding_size

    def encode(self, arch) -> np.ndarray:
        return self.encode_path(arch) if self.encoding == "path" else super().encode(arch)

    def encode_path(self, arch) -> np.ndarray:
        """BANANAS path encoding: one indicator per op sequence that some input->output route
        of the cell carries, a route counting only when none of its edges is "none".

        The four routes are 0->3, 0->1->3, 0->2->3 and 0->1->2->3. A sequence of ops
        o_0..o_{k-1} (indices into the 4 non-"none" ops) has index
        offset_k + sum_i 4^i * o_i, with the blocks of lengths 1, 2, 3 one after the other,
        as the path encoding of NB101 cells names paths by their op sequences.
        """
        self.validate(arch)
        vec = np.zeros(self.path_size)
        base = len(_PATH_OPS)
        for route in ROUTES:
            ops = [arch[e] - 1 for e in route]  # index among _PATH_OPS; -1 is "none"
            if min(ops) < 0:
                continue
            offset = sum(base**n for n in range(1, len(route)))
            vec[offset + sum(o * base**i for i, o in enumerate(ops))] = 1.0
        return vec

    def parse(self, text: str) -> tuple:
        """Read the NB201 string, or plain indices ("3,3,3,1,3,2" or "333132")."""
        stripped = text.strip()
        if stripped.startswith("|"):
            return self._parse_nb201_string(stripped)
        if stripped.isdigit() and len(stripped) == len(EDGES):
            stripped = ",".join(stripped)
        try:
            return super().parse(stripped)
        except InvalidArchitectureError:
            raise InvalidArchitectureError(
                f"nb201: cannot read {text!r}; write '|op~0|+|op~0|op~1|+|op~0|op~1|op~2|' with ops from "
                f"{', '.join(OPS)}, or six op indices 0-4 such as 3,3,3,1,3,2"
            ) from None

    def _parse_nb201_string(self, text: str) -> tuple:
        nodes = text.split("+")
        problem = None
        if len(nodes) != N_NODES - 1:
            problem = f"{len(nodes)} node groups separated by '+', expected {N_NODES - 1}"
        arch = []
        for to, group in enumerate(nodes, start=1):
            if problem:
                break
            if not (group.startswith("|") and group.endswith("|")):
                problem = f"node group {group!r} is not enclosed in '|'"
                break
            tokens = group[1:-1].split("|")
            if len(tokens) != to:
                problem = f"node {to} needs {to} inputs, got {len(tokens)} in {group!r}"
                break
            for frm, token in enumerate(tokens):
                op, sep, source = token.partition("~")
                if not sep or source != str(frm):
                    problem = f"{token!r} should read op~{frm}"
                    break
                if op not in OPS:
                    problem = f"unknown op {op!r} (ops: {', '.join(OPS)})"
                    break
                arch.append(OPS.index(op))
        if problem:
            raise InvalidArchitectureError(f"nb201: cannot read {text!r}: {problem}")
        return tuple(arch)

    def format(self, arch) -> str:
        self.validate(arch)
        ops = iter(OPS[i] for i in arch)
        groups = ("|" + "|".join(f"{next(ops)}~{frm}" for frm in range(to)) + "|" for to in range(1, N_NODES))
        return "+".join(groups)
