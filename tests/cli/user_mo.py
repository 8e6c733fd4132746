"""A user's own multi-objective strategy, outside the registry, for the CLI tests."""

from __future__ import annotations

from algorithms.base import Strategy


class SmallestFirst(Strategy):
    """Mutates the result with the smallest sum of losses seen so far (a toy scalarisation)."""

    def __init__(self, space, rng, *, dedupe: bool = True):
        super().__init__(space, rng, dedupe=dedupe)
        self.best = None
        self.told_objectives = []

    def _ask(self):
        if self.best is None:
            return self.space.sample(self.rng)
        return self.space.mutate(self.best[0], self.rng)

    def _tell(self, arch, feedback):
        self.told_objectives.append(feedback.objectives)
        score = sum(feedback.objectives) if feedback.objectives else -feedback.valid
        if self.best is None or score < self.best[1]:
            self.best = (arch, score)
