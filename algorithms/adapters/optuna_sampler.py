"""Any Optuna sampler as a strategy: `optuna:TPESampler`, `optuna:GPSampler`, `optuna:RandomSampler`, ...

The sampler's keyword arguments (all but `seed`) are the strategy's hyperparameters; the
seed comes from the strategy's generator. Each decision of the space is one
`CategoricalDistribution` over its choice indices, asked through `Study.ask` with fixed
distributions and told through `Study.tell`; an invalid decision vector is told as
`TrialState.FAIL` and never evaluated.
"""

from __future__ import annotations

import inspect
import warnings
from functools import lru_cache

import numpy as np

from algorithms.adapters.base import LibraryAdapter, MissingExtraError, with_signature
from benchlab.errors import UnknownNameError
from benchlab.spaces.base import SearchSpace


def _optuna():
    try:
        import optuna
    except ImportError:
        raise MissingExtraError(
            "optuna: strategies need Optuna, which is not installed; install the extra with "
            "`pip install 'benchlab[optuna]'`"
        ) from None
    return optuna


class OptunaSampler(LibraryAdapter):
    """An Optuna study (maximising the validation score) driven by ask/tell; see the module docstring."""

    library = "optuna"
    sampler_class: type | None = None  # set on each class `strategy_class` makes

    def __init__(self, space: SearchSpace, rng: np.random.Generator, *, max_invalid_draws: int = 1000,
                 dedupe: bool = False, **sampler_kwargs):
        super().__init__(space, rng, max_invalid_draws=max_invalid_draws, dedupe=dedupe, **sampler_kwargs)
        if self.sampler_class is None:
            raise TypeError("use load_strategy('optuna:<SamplerClass>') to make an Optuna strategy")
        optuna = _optuna()
        self._fail = optuna.trial.TrialState.FAIL
        self._create_trial = optuna.trial.create_trial
        # Optuna logs every finished trial at INFO; a benchmark run tells thousands
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        with warnings.catch_warnings():  # e.g. GPSampler is "experimental": said once in the docs, not per run
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            sampler = self.sampler_class(seed=self.library_seed, **sampler_kwargs)
        self.study = optuna.create_study(direction="maximize", sampler=sampler)
        self._distributions = {
            name: optuna.distributions.CategoricalDistribution(tuple(range(n))) for name, n in zip(self.names, self.sizes)
        }

    def _library_ask(self):
        trial = self.study.ask(self._distributions)
        params = trial.params
        return trial, [params[name] for name in self.names]

    def _library_tell(self, trial, score: float) -> None:
        self.study.tell(trial, score)

    def _library_fail(self, trial) -> None:
        self.study.tell(trial, state=self._fail)

    def _library_tell_unasked(self, decisions: list[int], score: float) -> None:
        self.study.add_trial(self._create_trial(params=dict(zip(self.names, decisions)),
                                                distributions=self._distributions, value=score))


@lru_cache(maxsize=None)
def strategy_class(sampler_name: str) -> type:
    """The strategy class for `optuna:<sampler_name>` (one class per sampler, made once)."""
    optuna = _optuna()
    sampler_class = getattr(optuna.samplers, sampler_name, None)
    usable = sorted(name for name, obj in vars(optuna.samplers).items()
                    if isinstance(obj, type) and issubclass(obj, optuna.samplers.BaseSampler)
                    and not inspect.isabstract(obj) and "seed" in inspect.signature(obj).parameters)
    if sampler_name not in usable:
        raise UnknownNameError(
            f"optuna:{sampler_name} is not a seedable sampler class of optuna.samplers; use one of "
            + ", ".join(f"optuna:{name}" for name in usable)
        )
    params = [p for name, p in inspect.signature(sampler_class).parameters.items()
              if name != "seed" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    return with_signature(OptunaSampler, f"Optuna{sampler_name}", params, {"sampler_class": sampler_class})
