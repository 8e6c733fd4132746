"""A product of categorical (or ordinal) dimensions, e.g. a hyperparameter grid.

An architecture is a tuple of choice indices, one per dimension. Every tuple is valid and
distinct, so the key is the tuple's text and the decisions are the tuple itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from benchlab.draws import MAX_INDEX, uniform_index
from benchlab.errors import InvalidArchitectureError
from benchlab.spaces.base import SearchSpace


@dataclass(frozen=True)
class Dimension:
    """One decision: its name, its choices in order, and whether the order means something."""

    name: str
    choices: tuple
    ordinal: bool = False

    def __post_init__(self) -> None:
        if len(self.choices) < 2:
            raise ValueError(f"dimension {self.name!r} needs at least two choices")


class CategoricalSpace(SearchSpace):
    """Every combination of the dimensions' choices.

    Mutation changes one dimension to a different choice; neighbours are all such changes
    (for an ordinal dimension only the adjacent choices, as a grid's local moves).
    Encoding: one-hot for categorical dimensions, the index scaled to [0, 1] for ordinal ones.
    """

    def __init__(self, dimensions: Sequence[Dimension], name: str = "categorical"):
        self.dimensions = tuple(dimensions)
        self.name = name
        self._sizes = tuple(len(d.choices) for d in self.dimensions)
        self._offsets = np.cumsum([0] + [1 if d.ordinal else len(d.choices) for d in self.dimensions])
        self._last_first = tuple(reversed(self._sizes))
        self._size = math.prod(self._sizes)
        self._one_draw = self._size <= MAX_INDEX

    # identity and validity
    def key(self, arch) -> str:
        self.validate(arch)
        return ",".join(map(str, map(int, arch)))

    def validate(self, arch) -> None:
        if not isinstance(arch, tuple) or len(arch) != len(self.dimensions):
            raise InvalidArchitectureError(
                f"{self.name}: an architecture is a tuple of {len(self.dimensions)} choice indices, got {arch!r}"
            )
        for value, size, dim in zip(arch, self._sizes, self.dimensions):
            if not isinstance(value, (int, np.integer)) or not 0 <= value < size:
                raise InvalidArchitectureError(f"{self.name}: {dim.name} index {value!r} is outside 0..{size - 1}")

    # moves
    def sample(self, rng: np.random.Generator) -> tuple:
        """Uniform over the grid, i.e. each index uniform and independent: one draw of the grid
        point's number, written out in mixed radix (a draw per dimension costs six times as
        much on NB201)."""
        if not self._one_draw:
            return tuple(uniform_index(rng, n) for n in self._sizes)
        number = uniform_index(rng, self.size)
        digits = []
        for n in self._last_first:
            number, digit = divmod(number, n)
            digits.append(digit)
        return tuple(reversed(digits))

    def mutate(self, arch, rng: np.random.Generator) -> tuple:
        dim = uniform_index(rng, len(self._sizes))
        shift = 1 + uniform_index(rng, self._sizes[dim] - 1)  # any other choice, uniformly
        out = list(arch)
        out[dim] = (arch[dim] + shift) % self._sizes[dim]
        return tuple(out)

    def crossover(self, a, b, rng: np.random.Generator) -> tuple:
        """Uniform crossover: each dimension from `a` or `b` with probability 1/2 (always valid)."""
        take_a = rng.random(len(self._sizes)) < 0.5
        return tuple(int(x if t else y) for x, y, t in zip(a, b, take_a))

    def neighbours(self, arch) -> list:
        result = []
        for i, dim in enumerate(self.dimensions):
            if dim.ordinal:
                options = [v for v in (arch[i] - 1, arch[i] + 1) if 0 <= v < self._sizes[i]]
            else:
                options = [v for v in range(self._sizes[i]) if v != arch[i]]
            for v in options:
                result.append(arch[:i] + (v,) + arch[i + 1 :])
        return result

    # encodings
    @property
    def encoding_size(self) -> int:
        return int(self._offsets[-1])

    def encode(self, arch) -> np.ndarray:
        vec = np.zeros(self.encoding_size)
        for i, (value, dim) in enumerate(zip(arch, self.dimensions)):
            if dim.ordinal:
                vec[self._offsets[i]] = value / (self._sizes[i] - 1)
            else:
                vec[self._offsets[i] + value] = 1.0
        return vec

    decisions_are_architectures = True  # one decision per dimension, every combination a point

    @property
    def decision_sizes(self) -> tuple[int, ...]:
        return self._sizes

    def to_decisions(self, arch) -> np.ndarray:
        return np.asarray(arch, dtype=np.int64)

    def from_decisions(self, decisions) -> tuple:
        arch = tuple(map(int, decisions))
        self.validate(arch)
        return arch

    # text form: "name=value,name=value" (values as in `choices`) or plain indices "0,3,1"
    def parse(self, text: str) -> tuple:
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != len(self.dimensions):
            raise InvalidArchitectureError(
                f"{self.name}: expected {len(self.dimensions)} comma-separated values "
                f"({', '.join(d.name for d in self.dimensions)}), got {text!r}"
            )
        arch = []
        for part, dim in zip(parts, self.dimensions):
            label = part.split("=", 1)[1] if "=" in part else part
            if "=" in part and part.split("=", 1)[0].strip() != dim.name:
                raise InvalidArchitectureError(f"{self.name}: expected {dim.name}=..., got {part!r}")
            names = [str(c) for c in dim.choices]
            if "=" in part:
                if label.strip() not in names:
                    raise InvalidArchitectureError(
                        f"{self.name}: {dim.name} must be one of {', '.join(names)}, got {label!r}"
                    )
                arch.append(names.index(label.strip()))
            else:
                try:
                    arch.append(int(label))
                except ValueError:
                    raise InvalidArchitectureError(
                        f"{self.name}: {part!r} is neither an index nor {dim.name}=value"
                    ) from None
        arch_t = tuple(arch)
        self.validate(arch_t)
        return arch_t

    def format(self, arch) -> str:
        return ",".join(f"{d.name}={d.choices[v]}" for v, d in zip(arch, self.dimensions))

    @property
    def size(self) -> int:
        return self._size
