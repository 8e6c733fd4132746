"""Building each strategy once on each benchmark's space while the experiment is checked.

A constructor's own validation (`population_size = 0`, `"big"`) then fails before anything
is written, as one line naming the strategy and the hyperparameter, instead of failing every
run later.
"""

from __future__ import annotations

import traceback

import numpy as np

from benchlab.errors import ConfigError, cut_long_values
from benchlab.harness.benchmarks import open_benchmark


def check_builds(cls: type, spec, benchmarks, source) -> None:
    """Build `cls(space, rng, **spec.params)` on the space of every benchmark in `benchmarks`."""
    spaces = {}
    for name in benchmarks:
        space = open_benchmark(name).space
        spaces.setdefault(id(space), (name, space))  # benchmarks sharing one space object build once
    for name, space in spaces.values():
        try:
            cls(space, np.random.default_rng(0), **spec.params)
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"{source} [strategies.{spec.label}] ({spec.target}): {_key_of(exc, spec.params)} rejected on "
                f"{name}: {_message(exc)}; fix the value in its hyperparameters"
            ) from None
        except Exception as exc:  # a user's constructor may raise anything
            raise ConfigError(
                f"strategy {spec.label!r} ({spec.target}) raised {type(exc).__name__} in __init__ on the space of {name} "
                f"at {_where(exc)}: {_message(exc)}; fix the strategy's constructor"
            ) from None


def _key_of(exc: Exception, params: dict) -> str:
    text = str(exc)
    named = [key for key in params if key in text]
    if len(named) == 1 or (named and len(named) < len(params)):
        return "hyperparameter " + ", ".join(repr(k) for k in named)
    if len(params) == 1:
        return f"hyperparameter {next(iter(params))!r}"
    if params:
        return "hyperparameters " + ", ".join(f"{k} = {v!r}" for k, v in params.items())
    return "the default hyperparameters"


def _message(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
    return cut_long_values(text)[:300]


def _where(exc: Exception) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
