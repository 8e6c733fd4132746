"""Declared hyperparameter constraints: what they accept, how they read, where they are checked."""

from __future__ import annotations

import numpy as np
import pytest

from algorithms import STRATEGIES, load_strategy
from algorithms.hyperparameters import (HyperparameterError, Interval, Options, check_hyperparameters,
                                        declared_constraints, describe, keyword_arguments, satisfies)
from algorithms.random_search import RandomSearch
from algorithms.regularized_evolution import RegularizedEvolution
from tests.toy import make_toy_space


@pytest.mark.parametrize("value, constraint, ok", [
    (3, Interval(int, 1), True), (0, Interval(int, 1), False), (2.0, Interval(int, 1), False),
    (True, Interval(int, 0), False), (True, int, False), (True, bool, True), (1, bool, False),
    (1, Interval(float, 0, 1), True), (1, Interval(float, 0, 1, closed="left"), False),
    (0.0, Interval(float, 0, None, closed="neither"), False), (float("nan"), Interval(float), False),
    ("rbf", Options("matern", "rbf"), True), ("RBF", Options("matern", "rbf"), False), (1, Options(True), False),
    (None, [Interval(int, 1), None], True), (5, [Interval(int, 1), None], True), ("x", [int, None], False),
])
def test_what_each_constraint_accepts(value, constraint, ok):
    assert satisfies(value, constraint) is ok


def test_descriptions_read_as_english():
    assert describe(Interval(int, 1)) == "an integer >= 1"
    assert describe(Interval(float, 0, 1, closed="left")) == "a number in [0, 1)"
    assert describe(Interval(float, 0, None, closed="neither")) == "a number > 0"
    assert describe([Interval(int, 1), None]) == "an integer >= 1 or None"
    assert describe(Options("matern", "rbf")) == "one of 'matern', 'rbf'"
    assert describe(bool) == "true or false"


def test_declarations_are_merged_along_the_class_hierarchy():
    class Faster(RegularizedEvolution):
        hyperparameter_constraints = {"sample_size": Interval(int, 2)}

    merged = declared_constraints(Faster)
    assert merged["dedupe"] is bool and merged["population_size"] == Interval(int, 1)
    assert merged["sample_size"] == Interval(int, 2)


def test_an_error_names_the_strategy_the_key_and_the_value():
    with pytest.raises(HyperparameterError) as info:
        check_hyperparameters(RegularizedEvolution, {"sample_size": 3, "population_size": -1})
    assert str(info.value) == "RegularizedEvolution: population_size must be an integer >= 1, got -1"
    assert info.value.key == "population_size" and isinstance(info.value, ValueError)


# one rejected value per built-in strategy, also when the strategy is built directly
BAD = {"rs": {"dedupe": "yes"}, "re": {"sample_size": 0}, "reinforce": {"baseline_momentum": 1.0},
       "bo": {"kernel": "linear"}, "ls": {"first_improvement": 1}, "ga": {"selection": "rank"},
       "qlearning": {"learning_rate": 0.0}, "bananas": {"n_parents": 0}, "npenas": {"population_size": 0},
       "zc-warmup": {"search": "bo"}, "mo-rs": {"dedupe": "no"}, "nsga2": {"crossover_probability": 1.5},
       "mo-re": {"population_size": 0}, "parego": {"rho": -0.1}}


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_direct_construction_checks_the_declarations(name):
    (key, value), = BAD[name].items()
    with pytest.raises(HyperparameterError, match=f"{key} must be"):
        load_strategy(name)(make_toy_space(), np.random.default_rng(0), **BAD[name])


def test_a_relation_between_two_values_is_checked_by_the_constructor():
    with pytest.raises(HyperparameterError, match="n_random_candidates must be at most n_candidates"):
        load_strategy("bo")(make_toy_space(), np.random.default_rng(0), n_candidates=5, n_random_candidates=6)


def test_random_search_takes_only_dedupe():
    assert set(declared_constraints(RandomSearch)) == {"dedupe"}


def test_keyword_arguments_are_a_constructors_locals_but_self_space_rng_and_those_left_out():
    class Base:
        def __init__(self, space, rng, *, a=1, b=2):
            self.given = keyword_arguments(locals())

    class Sub(Base):
        def __init__(self, space, rng, *, c=3, a=1, b=4):
            super().__init__(space, rng, **keyword_arguments(locals(), "c"))

    assert Sub(None, None, a=5).given == {"a": 5, "b": 4}
