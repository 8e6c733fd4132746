"""Every registered strategy keeps the ask/tell contract on the toy benchmark."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from algorithms import STRATEGIES, load_strategy
from algorithms.base import Feedback, Strategy
from tests.algorithms.loop import run_loop
from tests.toy import make_toy_benchmark

# strategies that build networks of the cells run on NB201 only (tests/algorithms/test_zc_warmup.py)
NAMES = sorted(set(STRATEGIES) - {"zc-warmup"})
BUDGET = 40


def _run(name: str, seed: int, workers: int = 1, **params):
    bench = make_toy_benchmark()
    strategy = load_strategy(name)(bench.space, np.random.default_rng(seed), **params)
    return bench, strategy, run_loop(bench, strategy, BUDGET, np.random.default_rng(seed + 1000), workers=workers)


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_run_different_seed_different_run(name):
    _, _, a = _run(name, seed=3, workers=3)
    _, _, b = _run(name, seed=3, workers=3)
    _, _, c = _run(name, seed=4, workers=3)
    assert a.keys == b.keys and a.observed == b.observed
    assert a.keys != c.keys


@pytest.mark.parametrize("workers", [1, 4])
@pytest.mark.parametrize("name", NAMES)
def test_proposals_stay_inside_the_space(name, workers):
    bench, _, result = _run(name, seed=0, workers=workers)
    assert len(result.keys) == BUDGET
    for arch in result.archs:
        assert bench.space.is_valid(arch)
        bench.row_of(arch)  # raises for an architecture the table does not hold


@pytest.mark.parametrize("name", NAMES)
def test_several_asks_before_any_tell(name):
    bench = make_toy_benchmark()
    strategy = load_strategy(name)(bench.space, np.random.default_rng(1))
    rng = np.random.default_rng(2)
    for _ in range(3):  # rounds of eight outstanding asks told in reverse order
        asked = [strategy.ask() for _ in range(8)]
        assert all(bench.space.is_valid(a) for a in asked)
        for arch in reversed(asked):
            obs = bench.query(arch, rng)
            strategy.tell(arch, Feedback(valid=obs.valid, cost=obs.cost))


@pytest.mark.parametrize("name", NAMES)
def test_dedupe_proposes_each_architecture_once(name):
    bench, _, result = _run(name, seed=5, workers=3, dedupe=True)
    assert len(set(result.keys)) == len(result.keys) == BUDGET


@pytest.mark.parametrize("name", NAMES)
def test_hyperparameters_are_keyword_arguments_and_attributes(name):
    cls = load_strategy(name)
    assert issubclass(cls, Strategy)
    bench = make_toy_benchmark()
    strategy = cls(bench.space, np.random.default_rng(0))
    params = strategy.get_params()
    signature = inspect.signature(cls.__init__).parameters
    expected = {n for n, p in signature.items() if p.kind is p.KEYWORD_ONLY}
    assert set(params) == expected and "dedupe" in params
    # the parameters rebuild an equivalent strategy
    again = cls(bench.space, np.random.default_rng(0), **params)
    assert again.get_params() == params


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
