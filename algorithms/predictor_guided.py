"""What BANANAS and NPENAS share: a predictor fitted to every result so far picks the next
batch of architectures out of a candidate set.

After `n_initial` random architectures, each round fits the predictor (a name from
`benchlab.predictors.PREDICTORS` with `predictor_params`) on all results, builds candidates
(the subclass's `_candidates`), scores them with the subclass's `_acquisition`, and queues
the `batch_size` best; asks hand the queue out one by one, and the next round starts when
it is empty. Pending architectures (asked, no result yet) are never candidates, so
parallel workers get distinct proposals; with `dedupe` (on by default) neither are
evaluated ones. Each round refits from scratch with a fresh draw of the generator.
"""

from __future__ import annotations

import numpy as np

from algorithms.base import ExcludesPending, Feedback, PendingKeys, Strategy
from algorithms.hyperparameters import Interval, check_hyperparameters
from benchlab.spaces.base import SearchSpace


class PredictorGuidedSearch(ExcludesPending, Strategy):
    hyperparameter_constraints = {
        "n_initial": Interval(int, 2),
        "n_candidates": Interval(int, 1),
        "batch_size": Interval(int, 1),
        "predictor": str,  # a registry name or module:Class
        "predictor_params": [dict, None],
    }

    def __init__(self, space: SearchSpace, rng: np.random.Generator, hyperparameters: dict):
        """`hyperparameters`: the subclass constructor's `locals()`, taken first thing. Its
        keyword arguments are all checked against the declared constraints here, in their
        order; this class keeps the shared ones (`n_initial`, `n_candidates`, `batch_size`,
        `predictor`, `predictor_params`, `dedupe`), the subclass its own."""
        check_hyperparameters(type(self), hyperparameters)
        super().__init__(space, rng, dedupe=hyperparameters["dedupe"])
        n_initial, n_candidates, batch_size = (hyperparameters[k] for k in ("n_initial", "n_candidates", "batch_size"))
        if n_initial < 2 or n_candidates < 1 or batch_size < 1:
            raise ValueError("need n_initial >= 2, n_candidates >= 1 and batch_size >= 1")
        from benchlab.predictors import load_predictor

        self.n_initial = int(n_initial)
        self.n_candidates = int(n_candidates)
        self.batch_size = int(batch_size)
        self.predictor = hyperparameters["predictor"]
        self.predictor_params = hyperparameters["predictor_params"]
        self._predictor_cls = load_predictor(self.predictor)
        self._archs: list = []
        self._scores: list[float] = []
        self._pending = PendingKeys()
        self._queue: list = []  # this round's picks, best last (popped from the end)
        self.rounds = 0  # predictor fits so far

    # -- for subclasses --------------------------------------------------------------------
    def _candidates(self) -> list:
        raise NotImplementedError

    def _acquisition(self, mean: np.ndarray, std: np.ndarray | None) -> np.ndarray:
        raise NotImplementedError

    # -- helpers ---------------------------------------------------------------------------
    def _best_first(self) -> list:
        order = np.argsort(-np.asarray(self._scores), kind="stable")
        return [self._archs[i] for i in order]

    def _add_candidate(self, found: dict, arch) -> None:
        key = self.key_of(arch)
        if key not in found and not self._excluded(key):
            found[key] = arch

    # -- ask/tell --------------------------------------------------------------------------
    def _propose(self):
        if len(self._scores) >= self.n_initial:
            while self._queue:
                arch = self._queue.pop()
                if not self._excluded(self.key_of(arch)):
                    return arch
            self._new_round()
            if self._queue:
                return self._queue.pop()
        return self._random_unexcluded()

    def _new_round(self) -> None:
        candidates = self._candidates()
        if not candidates:
            return
        model = self._predictor_cls(self.space, self.rng, **(self.predictor_params or {}))
        model.fit(model.encode(self._archs), np.asarray(self._scores))
        mean, std = model.predict(model.encode(candidates))
        value = self._acquisition(mean, std)
        best = np.argsort(-value, kind="stable")[: self.batch_size]
        self._queue = [candidates[i] for i in best[::-1]]
        self.rounds += 1

    def _tell(self, arch, feedback: Feedback) -> None:
        self._pending.release(self.key_of(arch))
        self._archs.append(arch)
        self._scores.append(float(feedback.valid))
