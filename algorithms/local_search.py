"""Local search with random restarts, White et al. 2021 ("Local search is state of the art
for neural architecture search benchmarks")."""

from __future__ import annotations

import numpy as np

from algorithms.base import Feedback, PendingKeys, Strategy
from algorithms.hyperparameters import check_hyperparameters
from algorithms.pareto_ranking import selection_key
from benchlab.spaces.base import SearchSpace


class LocalSearch(Strategy):
    """Hill climbing over the space's `neighbours`, restarting at local optima.

    From a random architecture, every neighbour is evaluated (in a random order); once all
    results are in, the search moves to the best neighbour if it beats the current point
    (best improvement, the paper's Algorithm 1), otherwise the current point is a local
    optimum and the search restarts from a fresh random architecture.
    `first_improvement=True` instead moves as soon as a neighbour beats the current point
    (the variant of NASLib's implementation).

    With `dedupe` (on by default) a neighbour already evaluated is not queried again: its
    recorded result counts for the neighbourhood; one pending elsewhere is awaited. Without
    it every neighbour is queried, as the literal algorithm does.

    Asynchronous workers: neighbours are handed out one per `ask()`. An `ask()` made while
    the rest of the neighbourhood is already pending (or the start point is) gets, with
    dedupe, an unseen neighbour of the best improvement found so far in this neighbourhood
    (evaluated ahead, in case the climb moves there; its result counts then), else a random
    architecture; such results are remembered but do not steer the current step.

    Constraints: feasible first. Results are compared by (-violation, score), so the climb
    heads for feasible cells and then for the best feasible one.
    """

    hyperparameter_constraints = {"first_improvement": bool}

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        *,
        first_improvement: bool = False,
        dedupe: bool = True,
    ):
        check_hyperparameters(type(self), locals())
        super().__init__(space, rng, dedupe=dedupe)
        self.first_improvement = bool(first_improvement)
        self._history: dict[str, tuple] = {}  # key -> latest (-violation, observed score)
        self._pending = PendingKeys()  # asked, result not yet in
        self._start_key: str | None = None  # the random start point, while pending
        self._current: tuple | None = None  # (arch, key, score) being climbed from
        self._queue: list = []  # neighbours not yet asked (popped from the end)
        self._awaiting: set[str] = set()  # neighbours asked, result not yet in
        self._results: dict[str, tuple] = {}  # neighbour key -> (arch, score), in random order
        self.local_optima: list[tuple] = []  # (arch, (-violation, score)) of every local optimum reached

    # -- ask -------------------------------------------------------------------------------
    def _ask(self):
        if self._current is None and self._start_key is None:
            arch = self.space.sample(self.rng)
            self._start_key = self._mark_pending(arch)
            return arch
        if self._current is not None and self._queue:
            arch = self._queue.pop()
            self._awaiting.add(self._mark_pending(arch))
            return arch
        arch = self._spare_proposal()
        self._mark_pending(arch)
        return arch

    def _spare_proposal(self):
        """For a worker with nothing of the climb left to evaluate: with dedupe, an unseen
        neighbour of the best improvement found so far (the likely next point, whose result
        then counts there); otherwise a random architecture."""
        if self.dedupe and self._current is not None and self._results:
            best = max(self._results.values(), key=lambda r: r[1])
            if best[1] > self._current[2]:
                neighbours = self.space.neighbours(best[0])
                for i in self.rng.permutation(len(neighbours)).tolist():
                    key = self.key_of(neighbours[i])
                    if key not in self._history and key not in self._pending:
                        return neighbours[i]
        return self.space.sample(self.rng)

    def _mark_pending(self, arch) -> str:
        key = self.key_of(arch)
        self._pending.add(key)
        return key

    def _discard(self, proposal) -> None:
        # dedupe rejected a proposal: its key is already evaluated or pending elsewhere
        key = self.key_of(proposal)
        self._pending.release(key)
        if key == self._start_key:
            self._start_key = None
        elif key in self._awaiting:
            self._awaiting.discard(key)
            self._account_known(proposal, key)
            self._settle()

    def _account_known(self, arch, key: str) -> None:
        """Count a neighbour that needs no new query: known result, or a pending one awaited."""
        if key in self._history:
            self._results[key] = (arch, self._history[key])
        elif key in self._pending:
            self._awaiting.add(key)

    # -- tell ------------------------------------------------------------------------------
    def _tell(self, arch, feedback: Feedback) -> None:
        key = self.key_of(arch)
        self._pending.release(key)
        score = selection_key(feedback)
        self._history[key] = score
        if key == self._start_key and self._current is None:
            self._start_key = None
            self._climb_from(arch, key, score)
        elif key in self._awaiting:
            self._awaiting.discard(key)
            self._results[key] = (arch, score)
        else:
            return  # a spare worker's sample or a stale neighbour: remembered only
        self._settle()

    # -- the climb -------------------------------------------------------------------------
    def _climb_from(self, arch, key: str, score: float) -> None:
        self._current = (arch, key, score)
        self._queue, self._awaiting, self._results = [], set(), {}
        neighbours = self.space.neighbours(arch)
        for i in self.rng.permutation(len(neighbours)).tolist():
            nb = neighbours[i]
            if self.dedupe:
                nb_key = self.key_of(nb)
                if nb_key in self._history or nb_key in self._pending:
                    self._account_known(nb, nb_key)
                    continue
            self._queue.append(nb)
        self._queue.reverse()  # pop() hands them out in the random order drawn above

    def _settle(self) -> None:
        """Move or restart once the neighbourhood allows it (loops over moves that need no query)."""
        while self._current is not None:
            current_score = self._current[2]
            if self.first_improvement:
                better = next((r for r in self._results.values() if r[1] > current_score), None)
                if better is not None:
                    self._climb_from(better[0], self.key_of(better[0]), better[1])
                    continue
            if self._queue or self._awaiting:
                return
            best = max(self._results.values(), key=lambda r: r[1], default=None)
            if best is not None and best[1] > current_score:
                self._climb_from(best[0], self.key_of(best[0]), best[1])
                continue
            self.local_optima.append((self._current[0], current_score))
            self._current = None  # restart: the next ask samples a new start
