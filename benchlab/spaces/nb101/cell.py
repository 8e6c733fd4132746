"""The NB101 cell value type: an adjacency matrix and one op label per vertex, checked.

A `Cell` carries its raw (matrix, ops) as one bytes object, `raw_key`: the caches of the
space and the benchmark are keyed by it, so looking a cell up hashes and compares bytes in
C (a dict keyed by the Cell itself would call `__hash__` and `__eq__` in Python).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from types import MappingProxyType

import numpy as np

from benchlab.errors import InvalidArchitectureError

INPUT = "input"
OUTPUT = "output"
OPS = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")
#: the official integer labels used by the module hash
LABELS = MappingProxyType({INPUT: -1, OUTPUT: -2, OPS[0]: 0, OPS[1]: 1, OPS[2]: 2})
_ALL_NAMES = ", ".join((INPUT, *OPS, OUTPUT))


def _matrix_bytes(matrix) -> tuple[int, bytes]:
    """(n, row-major uint8 bytes) of a square 0/1 matrix, or InvalidArchitectureError.

    Written with bytes operations rather than numpy reductions: on a 7 x 7 matrix numpy's
    per-call overhead would dominate the cost of a cached key lookup.
    """
    data = None
    if isinstance(matrix, (list, tuple)) and set(map(type, matrix)) <= _ROW_TYPES:
        # lists of Python ints are the usual input: convert without numpy (bytes() takes
        # only ints 0..255, so anything else goes the numpy way below)
        try:
            rows = list(map(bytes, matrix))
        except (TypeError, ValueError):
            rows = None
        if rows is not None:
            n = len(rows)
            if set(map(len, rows)) - {n}:
                raise InvalidArchitectureError(
                    f"non-square matrix: rows of lengths {[len(r) for r in rows]}; "
                    "give an n x n adjacency matrix"
                )
            data = b"".join(rows)
    if data is None:
        try:
            matrix = np.asarray(matrix)
        except ValueError:  # ragged nesting
            raise InvalidArchitectureError(
                "non-square matrix: rows of different lengths; give an n x n adjacency matrix"
            ) from None
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise InvalidArchitectureError(
                f"non-square matrix: shape {matrix.shape}; give an n x n adjacency matrix"
            )
        n = matrix.shape[0]
        if matrix.dtype.kind == "O":  # e.g. Python ints in an object array
            try:
                matrix = matrix.astype(np.float64)
            except (TypeError, ValueError):
                raise InvalidArchitectureError(_NON_BINARY) from None
        kind, width = matrix.dtype.kind, matrix.dtype.itemsize
        if kind == "b" or (kind in "iu" and width == 1):
            data = matrix.tobytes()
        elif kind in "iu":
            # a 0/1 little-endian integer is its low byte followed by zero bytes
            wide = matrix.astype(matrix.dtype.newbyteorder("<"), copy=False).tobytes()
            data = wide[::width]
            if wide.count(0) + data.count(1) != len(wide):
                raise InvalidArchitectureError(_NON_BINARY)
        else:
            if kind != "f":
                raise InvalidArchitectureError(_NON_BINARY)
            if not ((matrix == 0) | (matrix == 1)).all():
                raise InvalidArchitectureError(_NON_BINARY)
            data = matrix.astype(np.uint8).tobytes()
    if data.translate(None, b"\x00\x01"):
        raise InvalidArchitectureError(_NON_BINARY)
    return n, data


_ROW_TYPES = frozenset((list, tuple))
_NON_BINARY = "non-0/1 matrix: entries must be 0 or 1 (edge or no edge)"


def _lower_mask(n: int) -> int:
    """Bits of the diagonal and below in int.from_bytes(matrix bytes, 'little')."""
    return sum(1 << (8 * (i * n + j)) for i in range(n) for j in range(i + 1))


_LOWER_MASKS = tuple(_lower_mask(n) for n in range(16))  # cells beyond 15 vertices compute theirs


class Cell:
    """An immutable NAS-Bench-101 cell: adjacency matrix + one op label per vertex.

    Equality and hash are by the raw (matrix, ops), not by isomorphism; use
    `NB101Space.key` to compare networks. Construction checks the structural rules (square,
    0/1, upper-triangular, known op names, `input` first and `output` last); pruning and the
    vertex/edge limits belong to the space.
    """

    __slots__ = ("ops", "_bytes", "_codes", "_key", "_matrix")

    #: the raw (matrix, ops) as one bytes object: equal exactly for equal cells
    raw_key = property(lambda self: self._key)

    def __init__(self, matrix, ops: Sequence[str]):
        self._check(*_matrix_bytes(matrix), ops)

    @classmethod
    def from_bytes(cls, data: bytes, ops: Sequence[str]) -> Cell:
        """The cell of a row-major n x n adjacency given as n * n bytes (0 or 1 each), n the
        number of ops, checked as the constructor checks (no numpy on the way)."""
        n = len(ops)
        if len(data) != n * n:
            raise InvalidArchitectureError(
                f"non-square matrix: {len(data)} entries for {n} ops; give an n x n adjacency matrix"
            )
        if data.translate(None, b"\x00\x01"):
            raise InvalidArchitectureError(_NON_BINARY)
        cell = cls.__new__(cls)
        cell._check(n, data, ops)
        return cell

    def _check(self, n: int, data: bytes, ops: Sequence[str]) -> None:
        ops = tuple(ops)
        if n < 2:
            raise InvalidArchitectureError(
                f"too few vertices: {n}; a cell needs at least an input and an output vertex"
            )
        if int.from_bytes(data, "little") & (_LOWER_MASKS[n] if n < 16 else _lower_mask(n)):
            i = next(k for k in range(n * n) if data[k] and k // n >= k % n)
            raise InvalidArchitectureError(
                f"not upper-triangular: edge {i // n}->{i % n} does not go forward; number the "
                "vertices in topological order (edges only from i to j > i)"
            )
        if len(ops) != n:
            raise InvalidArchitectureError(
                f"wrong number of ops: {len(ops)} ops for {n} vertices; give one op per vertex"
            )
        try:
            ops, codes, labels = _checked_ops(ops)
        except TypeError:  # an unhashable op: the checks name it
            ops, codes, labels = _checked_ops.__wrapped__(ops)
        self._init(data, ops, codes, labels)

    def _init(self, data: bytes, ops: tuple, codes: tuple, labels: bytes | None = None) -> None:
        set_ = object.__setattr__
        set_(self, "_bytes", data)
        set_(self, "ops", ops)
        set_(self, "_codes", codes)
        # (matrix, ops) as one bytes object: caches keyed by it hash and compare in C (a dict
        # keyed by the Cell calls __hash__ in Python on every lookup); it keeps its hash
        set_(self, "_key", data + (_label_bytes(codes) if labels is None else labels))
        set_(self, "_matrix", None)

    @classmethod
    def _trusted(cls, data: bytes, codes: Sequence[int]) -> Cell:
        """A cell from parts this module already checked (no validation: internal use)."""
        cell = cls.__new__(cls)
        codes = tuple(codes)
        cell._init(data, tuple(map(_NAMES.__getitem__, codes)), codes)
        return cell

    @property
    def matrix(self) -> np.ndarray:
        if self._matrix is None:
            n = len(self.ops)
            object.__setattr__(self, "_matrix", np.frombuffer(self._bytes, np.uint8).reshape(n, n))
        return self._matrix  # frombuffer over bytes: read-only

    @property
    def num_vertices(self) -> int:
        return len(self.ops)

    def __setattr__(self, name, value):
        raise AttributeError("Cell is immutable; build a new one")

    __delattr__ = __setattr__

    def __hash__(self) -> int:
        return hash(self._key)

    def __eq__(self, other) -> bool:
        return (
            other.__class__ is Cell and self._key == other._key
        )

    def __repr__(self) -> str:
        return f"Cell(matrix={self.matrix.tolist()}, ops={list(self.ops)})"

    def __reduce__(self):
        return (Cell, (self.matrix.copy(), self.ops))


_NAMES = MappingProxyType({code: name for name, code in LABELS.items()})


@functools.lru_cache(maxsize=1 << 12)
def _checked_ops(ops: tuple) -> tuple[tuple[str, ...], tuple[int, ...], bytes]:
    """(op names, official labels, the labels as the bytes of a raw key) of a cell's ops, or
    InvalidArchitectureError naming the broken rule. A memo of a pure function: cells share few op sequences (3**5 of 7 ops),
    and a hit costs a fifteenth of the checks (tests/benchmarks_perf/test_nb101_api_perf.py)."""
    ops = tuple(map(str, ops))
    try:
        codes = tuple(map(LABELS.__getitem__, ops))
    except KeyError:
        bad = next(o for o in ops if o not in LABELS)
        raise InvalidArchitectureError(f"wrong op name {bad!r}; ops are {_ALL_NAMES}") from None
    if codes[0] != -1:
        raise InvalidArchitectureError(f"first op must be {INPUT!r}, got {ops[0]!r}")
    if codes[-1] != -2:
        raise InvalidArchitectureError(f"last op must be {OUTPUT!r}, got {ops[-1]!r}")
    if codes.count(-1) + codes.count(-2) != 2:
        raise InvalidArchitectureError(
            f"interior ops must be among {', '.join(OPS)}; {INPUT!r} and {OUTPUT!r} "
            "label only the first and last vertex"
        )
    return ops, codes, _label_bytes(codes)


def _label_bytes(codes) -> bytes:
    return bytes([code & 0xFF for code in codes])


def as_cell(arch, where: str) -> Cell:
    """`arch` itself when it is a Cell, else InvalidArchitectureError naming `where` and the fix."""
    if arch.__class__ is not Cell and not isinstance(arch, Cell):
        raise InvalidArchitectureError(
            f"{where}: expected an NB101 Cell, got {type(arch).__name__}; build one with "
            "Cell(matrix, ops) or NB101Space.parse(text)"
        )
    return arch

