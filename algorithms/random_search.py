"""Random search: the reference every other strategy must beat."""

from __future__ import annotations

import numpy as np

from algorithms.base import Feedback, Strategy
from benchlab.spaces.base import SearchSpace


class RandomSearch(Strategy):
    """Samples architectures independently from the space's reference distribution.

    Sampling is with replacement (as in the NAS-Bench-101 paper) unless `dedupe=True`.
    """

    def __init__(self, space: SearchSpace, rng: np.random.Generator, *, dedupe: bool = False):
        super().__init__(space, rng, dedupe=dedupe)

    def _ask(self):
        return self.space.sample(self.rng)

    def _tell(self, arch, feedback: Feedback) -> None:
        pass  # random search learns nothing
