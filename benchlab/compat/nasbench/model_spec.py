"""`nasbench.lib.model_spec.ModelSpec`, lazy: an integer matrix is kept as one byte per entry.

A script builds a new spec per query, so construction does only what the official class
checks (square, ops length, upper triangular: `ValueError` otherwise) and keeps the raw
spec as `_key`, (dtype, one byte per entry, op names): the key `NASBench` remembers rows
by, and the row-major 0/1 bytes a `Cell` is made of. `original_matrix`, `original_ops`,
the pruned `matrix` and `ops` and `valid_spec` are made when first read.
"""

from __future__ import annotations

import copy
import functools
from types import MappingProxyType

import numpy as np

from benchlab.spaces.nb101 import INPUT, OPS, OUTPUT, official_module_hash
from benchlab.spaces.nb101.cell import _LOWER_MASKS, _lower_mask
from benchlab.spaces.nb101.pruning import prune_indices

_LAZY = frozenset(("original_matrix", "original_ops", "matrix", "ops", "valid_spec"))
# integer and bool dtypes, either byte order -> (itemsize, offset of the low byte of an entry)
_LAYOUTS = MappingProxyType({
    np.dtype(char).newbyteorder(order): (np.dtype(char).itemsize, np.dtype(char).itemsize - 1 if order == ">" else 0)
    for char in "?bBhHiIlLqQ" for order in "<>"
})


@functools.lru_cache(maxsize=1 << 12)
def _entry_bytes(raw: bytes, dtype: np.dtype, n: int) -> bytes | None:
    """The low byte of every entry of an n x n matrix's raw bytes, or None when some entry
    does not fit its low byte; `ValueError` when it is not upper triangular. A memo of a pure
    function: a script queries the same raw specs again and again, and a hit costs one hash
    of the raw bytes, where the checks cost three to four times as much (see
    test_nb101_api_perf.py) and the bytes returned keep their hash for the lookups after."""
    width, low = _LAYOUTS[dtype]
    data = raw[low::width] if width > 1 else raw
    # every other byte zero: the nonzero bytes of the matrix are those of its low bytes
    if width > 1 and raw.translate(None, b"\0") != data.translate(None, b"\0"):
        return None
    if int.from_bytes(data, "little") & (_LOWER_MASKS[n] if n < 16 else _lower_mask(n)):
        raise ValueError("matrix must be upper triangular")
    return data


class _Pruned:
    """One of the lazy attributes: reading it makes all five from the raw spec; afterwards
    the instance's own attribute is found first (this descriptor defines no __set__)."""

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, spec, owner=None):
        if spec is None:
            return self
        spec._materialise()
        return spec.__dict__[self.name]


class ModelSpec:
    """Model specification given adjacency matrix and labeling (as `nasbench.lib.model_spec`).

    Construction checks only what the official class checks; anything else out of the space
    is reported by `NASBench.is_valid` / `query`. An integer (or bool) matrix whose entries
    fit in their low byte is kept as those bytes, a snapshot: later changes to the caller's
    objects are not seen, as with the official deep copies. Any other matrix (floats,
    objects, large or negative integers) is checked, copied and pruned at once, as the
    official class does. Assigning one of the five public attributes makes the others
    first, and the spec is then looked up as it now is.
    """

    original_matrix = _Pruned()
    original_ops = _Pruned()
    matrix = _Pruned()
    ops = _Pruned()
    valid_spec = _Pruned()

    def __init__(self, matrix, ops, data_format: str = "channels_last"):
        # __dict__ directly: assigning through __setattr__ (which notes edits) costs more
        state = self.__dict__
        state["data_format"], state["_key"] = data_format, None
        if not isinstance(matrix, np.ndarray):
            matrix = np.array(matrix)
        shape = matrix.shape
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError("matrix must be square")
        n = shape[0]
        if n != len(ops):
            raise ValueError("length of ops must match matrix dimensions")
        if matrix.__class__ is np.ndarray and matrix.dtype in _LAYOUTS:  # a subclass is deep-copied
            data = _entry_bytes(matrix.tobytes(), matrix.dtype, n)
            if data is not None:
                state["_key"] = (matrix.dtype, data, tuple(ops))
                return
        if np.any(np.tril(matrix) != 0):
            raise ValueError("matrix must be upper triangular")
        # Deep copies, as the official class: later changes to the caller's objects are not seen.
        self._set_pruned(copy.deepcopy(matrix), copy.deepcopy(ops))

    def _materialise(self) -> None:
        """Make the five lazy attributes from the raw spec (those not assigned already)."""
        dtype, data, ops = self.__dict__["_key"]
        n = len(ops)
        entries = np.frombuffer(data, np.uint8 if dtype.itemsize > 1 else dtype).reshape(n, n)
        self._set_pruned(entries.astype(dtype), list(ops))

    def _set_pruned(self, original, original_ops) -> None:
        keep = prune_indices(original)
        values = {"original_matrix": original, "original_ops": original_ops, "valid_spec": keep is not None}
        if keep is None:  # the input does not reach the output
            values.update(matrix=None, ops=None)
        else:
            values.update(matrix=np.asarray(original)[np.ix_(keep, keep)], ops=[original_ops[v] for v in keep])
        for name, value in values.items():
            self.__dict__.setdefault(name, value)

    def __setattr__(self, name, value):
        if name in _LAZY and self.__dict__["_key"] is not None:
            self._materialise()
            self.__dict__["_key"] = None  # changed after construction: looked up as it now is
        object.__setattr__(self, name, value)

    def hash_spec(self, canonical_ops) -> str:
        """The official isomorphism-invariant MD5 hash, ops labelled by their index in `canonical_ops`."""
        canonical_ops = list(canonical_ops)
        if len(canonical_ops) > len(OPS):
            raise ValueError(f"at most {len(OPS)} canonical ops are supported, got {len(canonical_ops)}")
        names = [INPUT] + [OPS[canonical_ops.index(op)] for op in self.ops[1:-1]] + [OUTPUT]
        return official_module_hash(np.asarray(self.matrix, dtype=np.uint8), names)

    def visualize(self):
        """A graphviz Digraph of the pruned cell (needs the optional `graphviz` package)."""
        import graphviz

        num_vertices = np.shape(self.matrix)[0]
        g = graphviz.Digraph()
        g.node(str(0), "input")
        for v in range(1, num_vertices - 1):
            g.node(str(v), self.ops[v])
        g.node(str(num_vertices - 1), "output")
        for src in range(num_vertices - 1):
            for dst in range(src + 1, num_vertices):
                if self.matrix[src, dst]:
                    g.edge(str(src), str(dst))
        return g
