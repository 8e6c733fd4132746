"""What every library adapter shares: decisions in, architectures out, failures told back."""

from __future__ import annotations

import inspect
from collections.abc import Hashable

import numpy as np

from algorithms.base import Feedback, PendingDecisions, Strategy
from algorithms.hyperparameters import Interval, check_hyperparameters
from benchlab.errors import InvalidArchitectureError, UserError
from benchlab.spaces.base import SearchSpace


class MissingExtraError(UserError):
    """A strategy needs an optional library that is not installed."""


class LibraryAdapter(Strategy):
    """A library optimizer over the space's categorical decisions, behind ask/tell.

    Subclasses implement `_library_ask()` -> (handle, decisions), `_library_tell(handle,
    score)`, `_library_fail(handle)` and `_library_tell_unasked(decisions, score)`; scores
    are validation scores, higher is better.

    - A decision vector that is no valid architecture (`from_decisions` raises) is told to
      the library as a failure and not evaluated; the library is asked again, at most
      `max_invalid_draws` times in a row, then the proposal is a random sample of the space
      (told to the library as a point it did not ask for). `invalid_told` counts them and
      goes into the run's metadata (`counts()`).
    - A NaN result is told as a failure too.
    - The library is seeded from the strategy's generator, so a run is reproducible.
    - With `dedupe`, a rejected duplicate is told the score its architecture already
      received (a failure while that result is still pending).
    """

    library = "library"
    hyperparameter_constraints = {"max_invalid_draws": Interval(int, 1)}

    def __init__(self, space: SearchSpace, rng: np.random.Generator, *, max_invalid_draws: int = 1000,
                 dedupe: bool = False, **library_kwargs):
        check_hyperparameters(type(self), {"max_invalid_draws": max_invalid_draws, **library_kwargs})
        super().__init__(space, rng, dedupe=dedupe)
        self.max_invalid_draws = int(max_invalid_draws)
        self.library_kwargs = dict(library_kwargs)
        for name, value in self._library_defaults().items():  # every hyperparameter is an attribute
            setattr(self, name, library_kwargs.get(name, value))
        self.sizes = tuple(int(n) for n in space.decision_sizes)
        self.names = tuple(f"d{i}" for i in range(len(self.sizes)))  # parameter names in the library
        self.library_seed = int(rng.integers(2**31 - 1))
        self._pending = PendingDecisions()  # arch -> the library's handles asked for it
        self._scores: dict[str, float] = {}  # key -> score told (kept only with dedupe)
        self.invalid_told = 0
        self.random_fallbacks = 0

    # -- for subclasses ------------------------------------------------------------------
    def _library_ask(self):
        raise NotImplementedError

    def _library_tell(self, handle, score: float) -> None:
        raise NotImplementedError

    def _library_fail(self, handle) -> None:
        raise NotImplementedError

    def _library_tell_unasked(self, decisions: list[int], score: float) -> None:
        raise NotImplementedError

    # -- ask/tell ----------------------------------------------------------------------
    def _ask(self):
        for _ in range(self.max_invalid_draws):
            handle, decisions = self._library_ask()
            try:
                arch = self.space.from_decisions(decisions)
            except InvalidArchitectureError:
                self.invalid_told += 1
                self._library_fail(handle)  # not evaluated: no query, no time
                continue
            self._pending.push(arch, handle)
            return arch
        self.random_fallbacks += 1
        return self.space.sample(self.rng)

    def _discard(self, proposal: Hashable) -> None:
        handle = self._pending.pop_for(proposal)
        if handle is None:
            return
        score = self._scores.get(self.key_of(proposal))
        if score is None:
            self._library_fail(handle)
        else:
            self._library_tell(handle, score)

    def _tell(self, arch: Hashable, feedback: Feedback) -> None:
        score = float(feedback.valid)
        handle = self._pending.pop_for(arch)
        if handle is None:  # a random fallback, dedupe's random sample, a warm start
            if score == score:
                self._library_tell_unasked([int(d) for d in self.space.to_decisions(arch)], score)
        elif score == score:
            self._library_tell(handle, score)
        else:
            self._library_fail(handle)
        if self.dedupe and score == score:
            self._scores[self.key_of(arch)] = score

    def counts(self) -> dict[str, int]:
        return {"invalid_told": self.invalid_told, "random_fallbacks": self.random_fallbacks}

    def _library_defaults(self) -> dict:
        """The library's own keyword arguments in this class's signature, with their defaults."""
        return {name: p.default for name, p in inspect.signature(type(self).__init__).parameters.items()
                if name in self.library_params}

    #: names of the library's keyword arguments (set on each generated class)
    library_params: tuple[str, ...] = ()


#: annotation words a declared constraint can be read from; anything else accepts any value
_ANNOTATED = {"int": int, "float": float, "bool": bool, "str": str, "None": None}
_ANY = [bool, object]  # `object` alone would refuse booleans (never integers here)


def _constraint_of(param: inspect.Parameter):
    """A declared constraint from a library parameter's annotation, e.g. 'int | None' -> [int, None]."""
    annotation = param.annotation
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    parts = [part.strip() for part in text.split("|")] if text else []
    if not parts or any(part not in _ANNOTATED for part in parts):
        return _ANY
    kinds = [_ANNOTATED[part] for part in parts]
    return kinds[0] if len(kinds) == 1 else kinds


def with_signature(base: type, name: str, library_params: list[inspect.Parameter], attributes: dict) -> type:
    """A subclass of `base` whose `__init__` signature lists `library_params` as keyword
    arguments, with constraints read from their annotations (so experiment files are
    checked against them, and each is an attribute of the same name)."""

    def __init__(self, space, rng, **kwargs):
        base.__init__(self, space, rng, **kwargs)

    own = inspect.signature(base.__init__).parameters
    fixed = [own["self"], own["space"], own["rng"]]
    adapter = [p for p in own.values() if p.kind is p.KEYWORD_ONLY]
    # a library keyword that would shadow the adapter's own attributes cannot be offered
    usable = [p.replace(kind=p.KEYWORD_ONLY) for p in library_params
              if not hasattr(base, p.name) and p.name not in own and p.name not in ("names", "sizes")]
    __init__.__signature__ = inspect.Signature(fixed + usable + adapter)
    __init__.__qualname__ = f"{name}.__init__"
    return type(name, (base,), {
        "__init__": __init__, "__module__": base.__module__, "library_params": tuple(p.name for p in usable),
        "hyperparameter_constraints": {p.name: _constraint_of(p) for p in usable}, **attributes,
    })
