"""Any registered Nevergrad optimizer as a strategy: `nevergrad:NGOpt`, `nevergrad:DiscreteOnePlusOne`, ...

The parametrization is an `ng.p.Dict` with one `ng.p.Choice` over the choice indices per
decision of the space; Nevergrad minimises, so it is told the loss ``-score``. Its random
state is a `numpy.random.RandomState` seeded from the strategy's generator. The optimizer
is built at the first `ask()`, once the simulator has told the run's query budget
(`set_budget`), which optimizers such as NGOpt use to choose their algorithm.

Invalid decision vectors (and NaN results) are told a penalty: the worst loss told so far
plus one (a loss of 1.0 before any result), so they rank below every evaluated
architecture without distorting the scale of the losses.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from algorithms.adapters.base import LibraryAdapter, MissingExtraError, with_signature
from algorithms.hyperparameters import Interval, check_hyperparameters
from benchlab.errors import UnknownNameError
from benchlab.spaces.base import SearchSpace


def _nevergrad():
    try:
        import nevergrad
    except ImportError:
        raise MissingExtraError(
            "nevergrad: strategies need Nevergrad, which is not installed; install the extra with "
            "`pip install 'benchlab[nevergrad]'`"
        ) from None
    return nevergrad


class NevergradOptimizer(LibraryAdapter):
    """A Nevergrad optimizer driven by ask/tell; see the module docstring.

    `num_workers` is passed to the optimizer (set it to the run's simulated workers for
    optimizers that plan batches of asks).
    """

    library = "nevergrad"
    optimizer_name: str | None = None  # set on each class `strategy_class` makes
    hyperparameter_constraints = {"num_workers": Interval(int, 1)}

    def __init__(self, space: SearchSpace, rng: np.random.Generator, *, num_workers: int = 1,
                 max_invalid_draws: int = 1000, dedupe: bool = False):
        check_hyperparameters(type(self), {"num_workers": num_workers})
        super().__init__(space, rng, max_invalid_draws=max_invalid_draws, dedupe=dedupe)
        if self.optimizer_name is None:
            raise TypeError("use load_strategy('nevergrad:<Optimizer>') to make a Nevergrad strategy")
        self.num_workers = int(num_workers)
        self._ng = _nevergrad()
        self._budget: int | None = None
        self.optimizer = None
        self._worst_loss: float | None = None

    def set_budget(self, queries: int | None, time: float | None) -> None:
        self._budget = queries

    def _optimizer(self):
        if self.optimizer is None:
            ng = self._ng
            parametrization = ng.p.Dict(**{name: ng.p.Choice(list(range(n))) for name, n in zip(self.names, self.sizes)})
            parametrization.random_state = np.random.RandomState(self.library_seed)  # a local state, not the global one
            self.optimizer = self._isolated(lambda: ng.optimizers.registry[self.optimizer_name](
                parametrization=parametrization, budget=self._budget, num_workers=self.num_workers))
        return self.optimizer

    def _isolated(self, call):
        """`call()` against a global numpy state drawn from our seed, the caller's state given back.

        Optimizers that pick their algorithm lazily (NGOpt, at its first ask) build configured
        sub-optimizers, and Nevergrad checks each on a fresh parametrization seeded from
        numpy's global state. Those draws must neither advance the caller's global stream nor
        depend on it. Saving and restoring the state costs a few hundred microseconds, so
        only construction and the first ask are isolated.
        """
        callers_state = np.random.get_state()
        np.random.set_state(np.random.RandomState(self.library_seed + 1).get_state())
        try:
            return call()
        finally:
            np.random.set_state(callers_state)

    def _library_ask(self):
        optimizer = self._optimizer()
        candidate = optimizer.ask() if optimizer.num_ask else self._isolated(optimizer.ask)
        value = candidate.value
        return candidate, [value[name] for name in self.names]

    def _tell_loss(self, candidate, loss: float) -> None:
        if self._worst_loss is None or loss > self._worst_loss:
            self._worst_loss = loss
        self._optimizer().tell(candidate, loss)

    def _library_tell(self, candidate, score: float) -> None:
        self._tell_loss(candidate, -score)

    def _library_fail(self, candidate) -> None:
        penalty = 1.0 if self._worst_loss is None else self._worst_loss + 1.0
        self._optimizer().tell(candidate, penalty)

    def _library_tell_unasked(self, decisions: list[int], score: float) -> None:
        optimizer = self._optimizer()
        candidate = optimizer.parametrization.spawn_child(new_value=dict(zip(self.names, decisions)))
        self._tell_loss(candidate, -score)


@lru_cache(maxsize=None)
def strategy_class(optimizer_name: str) -> type:
    """The strategy class for `nevergrad:<optimizer_name>` (one class per optimizer, made once)."""
    registry = _nevergrad().optimizers.registry
    if optimizer_name not in registry:
        close = sorted(name for name in registry if name.lower().startswith(optimizer_name.lower()[:4]))[:8]
        hint = f" (similar: {', '.join(close)})" if close else " (e.g. NGOpt, DiscreteOnePlusOne)"
        raise UnknownNameError(f"nevergrad:{optimizer_name} is not a registered Nevergrad optimizer{hint}")
    return with_signature(NevergradOptimizer, f"Nevergrad{optimizer_name}", [], {"optimizer_name": optimizer_name})
