"""Every registered strategy keeps the ask/tell contract (the conformance kit's check_strategy)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from algorithms import STRATEGIES, load_strategy
from algorithms.base import Feedback, Strategy
from algorithms.hyperparameters import declared_constraints
from benchlab.testing import check_strategy
from tests.toy import make_toy_benchmark

#: other libraries' optimizers behind the adapters (their extras are installed by `make test`)
ADAPTERS = ["optuna:TPESampler", "nevergrad:NGOpt"]
# zc-warmup builds networks of the cells (NB201 only) and scores 1,000 of them by default:
# tests/algorithms/test_zc_warmup.py runs the kit on NB201 with a small sample instead
ALL = sorted(STRATEGIES)
NAMES = [name for name in ALL if name != "zc-warmup"] + ADAPTERS


@pytest.mark.parametrize("name", NAMES)
def test_every_registered_strategy_passes_the_conformance_kit(name):
    check_strategy(load_strategy(name))


@pytest.mark.parametrize("name", ALL)
def test_every_registered_strategy_is_a_strategy_with_declared_hyperparameters(name):
    cls = load_strategy(name)
    assert issubclass(cls, Strategy)
    params = {n for n, p in inspect.signature(cls).parameters.items() if p.kind is p.KEYWORD_ONLY}
    assert "dedupe" in params and set(declared_constraints(cls)) == params


def test_told_without_ask_is_remembered_by_dedupe():
    bench = make_toy_benchmark()
    strategy = load_strategy("rs")(bench.space, np.random.default_rng(0), dedupe=True)
    arch = (0, 0, 0, 0)
    strategy.tell(arch, Feedback(valid=0.5, cost=1.0))
    assert strategy.is_seen(bench.space.key(arch))


@pytest.mark.parametrize("name", NAMES)
def test_full_nb101_space_proposals_are_valid_cells(name):
    """The 7-vertex NB101 space (many invalid decision vectors and raw cells) without a
    table: scores are a fixed random function of the cell's key."""
    from benchlab.spaces.nb101 import NB101Space

    space = NB101Space()
    small_bo = {"n_initial": 5, "n_candidates": 30, "n_random_candidates": 5}  # NB101 mutations are slow
    strategy = load_strategy(name)(space, np.random.default_rng(0), **(small_bo if name == "bo" else {}))
    score_rng, scores = np.random.default_rng(1), {}
    outstanding = []
    for step in range(30):
        while len(outstanding) < 3:
            outstanding.append(strategy.ask())
        arch = outstanding.pop(step % 2 - 1)
        space.validate(arch)  # raises, naming the broken rule, for a cell outside the space
        key = space.key(arch)
        scores.setdefault(key, float(score_rng.random()))
        strategy.tell(arch, Feedback(valid=scores[key], cost=1.0))
