"""Declared hyperparameter constraints: what each keyword argument of a strategy accepts.

A strategy class lists them in `hyperparameter_constraints`, as scikit-learn estimators do
in `_parameter_constraints`::

    class MySearch(Strategy):
        hyperparameter_constraints = {
            "population_size": Interval(int, 1, None),       # an integer >= 1
            "learning_rate": Interval(float, 0, None, closed="neither"),
            "kernel": Options("matern", "rbf"),
            "max_steps": [Interval(int, 1, None), None],     # alternatives: an integer or None
        }

A constraint is a type (`bool`, `int`, `float`, `str`; an `int` is never a bool, a `float`
may be given as an int), an `Interval`, `Options`, `None` (the value None), or a list of
alternatives. Declarations are inherited and merged along the class hierarchy (the base
`Strategy` declares `dedupe`). `check_hyperparameters` is called when an experiment is
loaded, so a bad value is a one-line error before anything runs, and by the built-in
strategies' constructors, so direct use is checked too. Written by hand: scikit-learn's
equivalent lives in a private module.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from benchlab.errors import ConfigError

_BOUNDS = {"both": ("[", "]"), "left": ("[", ")"), "right": ("(", "]"), "neither": ("(", ")")}


class HyperparameterError(ConfigError, ValueError):
    """A hyperparameter value its strategy's declared constraints reject."""

    def __init__(self, strategy: str, key: str, requirement: str, value):
        super().__init__(f"{strategy}: {key} must be {requirement}, got {value!r}")
        self.strategy, self.key, self.requirement, self.value = strategy, key, requirement, value


@dataclass(frozen=True)
class Interval:
    """Numbers of `kind` (int or float) between `low` and `high` (None: unbounded)."""

    kind: type
    low: float | None = None
    high: float | None = None
    closed: str = "both"  # which ends belong to the interval: both, left, right, neither

    def __post_init__(self) -> None:
        if self.kind not in (int, float):
            raise TypeError("Interval kind must be int or float")
        if self.closed not in _BOUNDS:
            raise ValueError(f"Interval closed must be one of {', '.join(_BOUNDS)}")

    def accepts(self, value) -> bool:
        if not _is_instance(value, self.kind) or (isinstance(value, float) and math.isnan(value)):
            return False
        open_low, open_high = self.closed in ("right", "neither"), self.closed in ("left", "neither")
        if self.low is not None and (value < self.low or (value == self.low and open_low)):
            return False
        return not (self.high is not None and (value > self.high or (value == self.high and open_high)))

    def __str__(self) -> str:
        what = "an integer" if self.kind is int else "a number"
        if self.low is None and self.high is None:
            return what
        if self.high is None:
            return f"{what} {'>=' if self.closed in ('both', 'left') else '>'} {self.low:g}"
        if self.low is None:
            return f"{what} {'<=' if self.closed in ('both', 'right') else '<'} {self.high:g}"
        left, right = _BOUNDS[self.closed]
        return f"{what} in {left}{self.low:g}, {self.high:g}{right}"


class Options:
    """One of a fixed set of values, e.g. `Options("matern", "rbf")`."""

    __slots__ = ("values",)

    def __init__(self, *values):
        self.values = values

    def accepts(self, value) -> bool:
        return any(value == v and type(value) is type(v) for v in self.values)

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)

    def __repr__(self) -> str:
        return f"Options({', '.join(repr(v) for v in self.values)})"


def declared_constraints(cls: type) -> dict:
    """Every declaration of `cls` and its bases, a subclass's entry replacing its base's."""
    merged: dict = {}
    for klass in reversed(cls.__mro__):
        merged.update(vars(klass).get("hyperparameter_constraints", {}))
    return merged


def satisfies(value, constraint) -> bool:
    """Whether `value` meets one constraint or, for a list, any of its alternatives."""
    if isinstance(constraint, list):
        return any(satisfies(value, c) for c in constraint)
    if constraint is None:
        return value is None
    if isinstance(constraint, type):
        return _is_instance(value, constraint)
    return constraint.accepts(value)


def describe(constraint) -> str:
    if isinstance(constraint, list):
        return " or ".join(describe(c) for c in constraint)
    if constraint is None:
        return "None"
    if isinstance(constraint, type):
        return {bool: "true or false", int: "an integer", float: "a number", str: "a string"}.get(
            constraint, f"a {constraint.__name__}")
    return str(constraint)


def check_hyperparameters(cls: type, params: dict) -> None:
    """Raise `HyperparameterError` for the first value in `params` its declared constraint rejects.

    Keys without a declaration (and names such as `self` or `space`) are not checked here.
    """
    constraints = declared_constraints(cls)
    for key, value in params.items():
        if key in constraints and not satisfies(value, constraints[key]):
            raise HyperparameterError(cls.__name__, key, describe(constraints[key]), value)


def keyword_arguments(constructor_locals: dict, *leave_out: str) -> dict:
    """The keyword arguments a constructor was given, from its `locals()` taken first thing:
    all but `self`, `space`, `rng`, `__class__` (there when it calls `super()`) and `leave_out`.
    For passing a base class's hyperparameters on without listing each again."""
    skip = {"self", "space", "rng", "__class__", *leave_out}
    return {key: value for key, value in constructor_locals.items() if key not in skip}


def _is_instance(value, kind: type) -> bool:
    if kind is bool:
        return isinstance(value, (bool,))
    if isinstance(value, bool):
        return False  # True is an int to Python, never an integer hyperparameter here
    if kind is int:
        return isinstance(value, numbers.Integral)
    if kind is float:
        return isinstance(value, numbers.Real)
    return isinstance(value, kind)
