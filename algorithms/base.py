"""The ask/tell strategy contract.

A strategy is built as `Strategy(space, rng, **hyperparameters)` (hyperparameters are
keyword arguments of `__init__`, as in scikit-learn). `ask()` proposes an architecture,
or a `Proposal` that also names a fidelity; `tell(arch, feedback)` reports what a real
search would see. `Feedback` has no field for test metrics, so no strategy can use them.
`ask()` may be called several times before the matching `tell()`s (parallel workers).

Subclasses implement `_ask()` and `_tell()` (abstract: a class without them cannot be
built); this base class adds the `dedupe` option (propose only architectures whose
canonical key is neither evaluated nor pending). Each class declares what its
hyperparameters accept in `hyperparameter_constraints` (see `algorithms.hyperparameters`);
`benchlab.testing.check_strategy` checks a class against this whole contract.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np

from algorithms.hyperparameters import check_hyperparameters
from benchlab.spaces.base import SearchSpace


@dataclass(frozen=True, slots=True)
class Feedback:
    """What a search sees after an evaluation: validation score, cost, fidelity and, in
    multi-objective or constrained experiments, the experiment's objectives and how far the
    evaluation breaks its constraints. Never a test score.

    `objectives`: the experiment's objectives in the order it names them, each as a loss
    (lower is better: scores such as `valid` are negated, sizes and times are as recorded);
    empty in a single-objective experiment. `violation`: 0 when the evaluation meets every
    constraint, else the sum over constraints of the excess relative to the bound.
    """

    valid: float
    cost: float
    fidelity: int | None = None
    objectives: tuple = ()
    violation: float = 0.0


@dataclass(frozen=True, slots=True)
class Proposal:
    """An architecture together with the fidelity to evaluate it at."""

    arch: Hashable
    fidelity: int | None = None


class SpaceExhaustedError(RuntimeError):
    """Raised by a deduplicating strategy when no unseen architecture can be found."""


class PendingKeys:
    """A multiset of canonical keys asked and not yet told (workers may share a key)."""

    __slots__ = ("_counts",)

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}

    def add(self, key: str) -> None:
        self._counts[key] = self._counts.get(key, 0) + 1

    def release(self, key: str) -> None:
        """Forget one ask of `key` (no-op for a key never added: a tell without an ask)."""
        count = self._counts.get(key, 0)
        if count > 1:
            self._counts[key] = count - 1
        elif count == 1:
            del self._counts[key]

    def __contains__(self, key: str) -> bool:
        return key in self._counts

    def __len__(self) -> int:
        return sum(self._counts.values())


class ExcludesPending:
    """Mixin for strategies that never propose a pending architecture (asked, no result yet)
    nor, with dedupe, an evaluated one, so parallel workers get distinct proposals.

    The class keeps `self._pending = PendingKeys()`, makes its proposals in `_propose()` and
    releases a key from `_pending` when the key's result is told; `_ask` marks each proposal
    pending and `_discard` (a proposal dedupe rejected) releases it again.
    """

    def _ask(self):
        arch = self._propose()
        self._pending.add(self.key_of(arch))
        return arch

    def _excluded(self, key: str) -> bool:
        return key in self._pending or self.is_seen(key)

    def _random_unexcluded(self, tries: int = 100):
        for _ in range(tries):
            arch = self.space.sample(self.rng)
            if not self._excluded(self.key_of(arch)):
                return arch
        return arch  # a (nearly) exhausted space; the dedupe fallback takes over

    def _discard(self, proposal) -> None:
        self._pending.release(self.key_of(proposal))


class PendingDecisions(dict):
    """arch -> what was sampled for it (decision vectors, a library's trials), results not yet in.

    For policies that learn from what they sampled rather than a re-encoding of the
    architecture (several vectors can describe one architecture); a stack per architecture,
    since parallel workers may be handed the same one.
    """

    def push(self, arch: Hashable, decisions) -> None:
        self.setdefault(arch, []).append(decisions)

    def pop_for(self, arch: Hashable):
        """The latest vector sampled for `arch`, or None when there is none (told without an ask)."""
        stack = self.get(arch)
        if not stack:
            return None
        decisions = stack.pop()
        if not stack:
            del self[arch]
        return decisions


class Strategy(ABC):
    """Base class of the search strategies. See the module docstring for the contract."""

    #: what each keyword argument of `__init__` accepts; merged with the subclasses' own
    hyperparameter_constraints = {"dedupe": bool}
    #: how many proposals a deduplicating ask tries before falling back to random samples
    dedupe_tries: int = 100

    def __init__(self, space: SearchSpace, rng: np.random.Generator, *, dedupe: bool = False):
        check_hyperparameters(type(self), {"dedupe": dedupe})
        if not isinstance(rng, np.random.Generator):
            raise TypeError("rng must be a numpy.random.Generator")
        self.space = space
        self.rng = rng
        self.dedupe = dedupe
        self._seen: set[str] = set()  # keys evaluated or pending (kept only when deduplicating)
        self._key_memo: dict = {}  # arch -> canonical key, see key_of

    #: how many architectures' keys `key_of` remembers before it starts afresh
    key_memo_size: int = 50_000

    def key_of(self, arch: Hashable) -> str:
        """`space.key(arch)`, remembered: an architecture's key is needed at its ask, its tell
        and by the strategy's own bookkeeping, and for some spaces it is costly."""
        key = self._key_memo.get(arch)
        if key is None:
            if len(self._key_memo) >= self.key_memo_size:
                self._key_memo.clear()  # bounded memory; recent keys are recomputed once
            key = self._key_memo[arch] = self.space.key(arch)
        return key

    # -- public ask/tell -----------------------------------------------------------
    def ask(self):
        if not self.dedupe:
            return self._ask()
        for _ in range(self.dedupe_tries):
            proposal = self._ask()
            if proposal is None:  # the strategy has nothing left to propose
                return None
            key = self.key_of(_arch_of(proposal))
            if key not in self._seen:
                self._seen.add(key)
                return proposal
            self._discard(proposal)
        # The strategy keeps proposing known cells: fall back to fresh random samples.
        for _ in range(100 * self.dedupe_tries):
            arch = self.space.sample(self.rng)
            key = self.key_of(arch)
            if key not in self._seen:
                self._seen.add(key)
                return arch
        raise SpaceExhaustedError(f"{type(self).__name__}: found no unevaluated architecture in {self.space.name}")

    def tell(self, arch: Hashable, feedback: Feedback) -> None:
        if self.dedupe:
            # an architecture told without being asked (a warm start, a replay) is also known
            self._seen.add(self.key_of(arch))
        self._tell(arch, feedback)

    def set_budget(self, queries: int | None, time: float | None) -> None:
        """The run's budget (evaluations, simulated seconds), told once before the first `ask()`.

        The simulator calls it; most strategies ignore it. One whose schedule is stated in
        shares of the budget (Q-learning's epsilon schedule) overrides it.
        """

    def counts(self) -> dict[str, int]:
        """Event counts worth recording in the run's metadata (e.g. invalid proposals); none by default."""
        return {}

    def is_seen(self, key: str) -> bool:
        """Whether a deduplicating strategy has asked or been told this key (False without dedupe)."""
        return key in self._seen

    # -- for subclasses --------------------------------------------------------------
    @abstractmethod
    def _ask(self):
        """The next proposal: an architecture of `self.space`, a `Proposal`, or None when done."""

    @abstractmethod
    def _tell(self, arch: Hashable, feedback: Feedback) -> None:
        """Learn from the result of evaluating `arch` (asked earlier, or not: a warm start)."""

    def _discard(self, proposal) -> None:
        """Called when dedupe rejects a proposal that `_ask` made (undo bookkeeping if any)."""


def _arch_of(proposal):
    return proposal.arch if isinstance(proposal, Proposal) else proposal
