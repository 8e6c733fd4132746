"""The search-space contract every strategy relies on.

Architectures are immutable, hashable values. Two architectures that are the same network
(isomorphic cells, equivalent link patterns) share one canonical `key`; strategies that
deduplicate compare keys, never objects.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Sequence

import numpy as np


class SearchSpace(ABC):
    """A set of architectures with the operations search strategies need.

    Randomness enters only through the `numpy.random.Generator` passed to a method.
    """

    #: short name used in messages, e.g. "nb101(max_vertices=7, max_edges=9)"
    name: str = "space"

    # -- identity and validity -------------------------------------------------
    @abstractmethod
    def key(self, arch: Hashable) -> str:
        """Canonical key: equal for architectures that are the same network."""

    @abstractmethod
    def validate(self, arch: Hashable) -> None:
        """Raise `InvalidArchitectureError` naming the broken rule, or return None."""

    def is_valid(self, arch: Hashable) -> bool:
        from benchlab.errors import InvalidArchitectureError

        try:
            self.validate(arch)
        except InvalidArchitectureError:
            return False
        return True

    # -- moves -------------------------------------------------------------------
    @abstractmethod
    def sample(self, rng: np.random.Generator) -> Hashable:
        """A valid architecture drawn with `rng` (the space's reference distribution)."""

    @abstractmethod
    def mutate(self, arch: Hashable, rng: np.random.Generator) -> Hashable:
        """A valid architecture near `arch` whose key differs from `arch`'s."""

    def sample_many(self, n: int, rng: np.random.Generator) -> list:
        """`n` architectures, each distributed as `sample`'s (a space may draw them all at once,
        so the draws, not the distribution, may differ from `n` calls of `sample`)."""
        return [self.sample(rng) for _ in range(n)]

    def mutate_many(self, archs: Sequence[Hashable], rng: np.random.Generator) -> list:
        """A mutation of each architecture, each distributed as `mutate`'s (the draws may
        differ from one call of `mutate` per architecture, as for `sample_many`)."""
        return [self.mutate(arch, rng) for arch in archs]

    @abstractmethod
    def neighbours(self, arch: Hashable) -> list:
        """Every valid architecture one elementary change away, distinct keys, parent excluded."""

    #: how many crossover masks are drawn before a parent is returned instead
    crossover_tries: int = 100

    def crossover(self, a: Hashable, b: Hashable, rng: np.random.Generator) -> Hashable:
        """A valid child taking each decision from `a` or `b` with probability 1/2.

        Uniform crossover over `to_decisions`. A mask whose child is no valid architecture
        is drawn again (repair by resampling); after `crossover_tries` invalid children a
        parent chosen at random is returned, so the result is always valid.
        """
        from benchlab.errors import InvalidArchitectureError

        first, second = self.to_decisions(a), self.to_decisions(b)
        for _ in range(self.crossover_tries):
            take_first = rng.random(len(first)) < 0.5
            try:
                return self.from_decisions(np.where(take_first, first, second))
            except InvalidArchitectureError:
                continue
        return a if rng.random() < 0.5 else b

    # -- encodings for models and policies ----------------------------------------
    @property
    @abstractmethod
    def encoding_size(self) -> int:
        """Length of `encode`'s vector."""

    @abstractmethod
    def encode(self, arch: Hashable) -> np.ndarray:
        """Fixed-length float vector for surrogate models."""

    def encode_many(self, archs: Sequence[Hashable]) -> np.ndarray:
        if not archs:
            return np.empty((0, self.encoding_size))
        return np.stack([self.encode(a) for a in archs])

    #: True when the space is the product of its decisions: every decision vector describes
    #: an architecture and distinct vectors distinct ones (so moves on decision vectors are
    #: moves on architectures, with the same distribution)
    decisions_are_architectures: bool = False

    @property
    @abstractmethod
    def decision_sizes(self) -> tuple[int, ...]:
        """Number of choices of each categorical decision (for policies such as REINFORCE)."""

    @abstractmethod
    def to_decisions(self, arch: Hashable) -> np.ndarray:
        """The architecture as an integer vector, entry i in range(decision_sizes[i])."""

    def decisions_many(self, archs: Sequence[Hashable]) -> np.ndarray:
        """`to_decisions` of each architecture, as the rows of one integer matrix."""
        if not archs:
            return np.empty((0, len(self.decision_sizes)), dtype=np.int64)
        return np.stack([self.to_decisions(a) for a in archs])

    @abstractmethod
    def from_decisions(self, decisions: Sequence[int]) -> Hashable:
        """The architecture a decision vector describes; `InvalidArchitectureError` if none."""

    # -- text form (command line, reports) -----------------------------------------
    @abstractmethod
    def parse(self, text: str) -> Hashable:
        """An architecture from its text form; `InvalidArchitectureError` on bad text."""

    @abstractmethod
    def format(self, arch: Hashable) -> str:
        """The text form `parse` reads back."""

    @property
    def size(self) -> int | None:
        """Number of distinct architectures (canonical keys), or None when unknown."""
        return None
