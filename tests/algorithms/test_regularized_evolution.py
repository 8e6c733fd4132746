"""Regularized evolution: random initial population, tournament selection, ageing."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from algorithms.base import Feedback
from algorithms.regularized_evolution import RegularizedEvolution
from tests.toy import make_toy_space


class RecordingSpace:
    """Wraps a space and records which moves a strategy made."""

    def __init__(self, space):
        self._space = space
        self.calls: list[tuple] = []

    def __getattr__(self, name):
        return getattr(self._space, name)

    def sample(self, rng):
        arch = self._space.sample(rng)
        self.calls.append(("sample", None))
        return arch

    def mutate(self, arch, rng):
        self.calls.append(("mutate", arch))
        return self._space.mutate(arch, rng)


def _feedback(score: float) -> Feedback:
    return Feedback(valid=score, cost=1.0)


def test_first_population_is_random_then_mutations():
    space = RecordingSpace(make_toy_space())
    re = RegularizedEvolution(space, np.random.default_rng(0), population_size=20, sample_size=5)
    for i in range(30):
        arch = re.ask()
        re.tell(arch, _feedback(i / 100))
    kinds = [kind for kind, _ in space.calls]
    assert kinds == ["sample"] * 20 + ["mutate"] * 10


def test_asks_before_the_population_is_full_are_random_even_when_many_are_pending():
    space = RecordingSpace(make_toy_space())
    re = RegularizedEvolution(space, np.random.default_rng(0), population_size=10, sample_size=3)
    asked = [re.ask() for _ in range(15)]  # fifteen parallel asks, no result yet
    assert [k for k, _ in space.calls] == ["sample"] * 15
    for arch in asked[:10]:
        re.tell(arch, _feedback(0.5))
    re.ask()
    assert space.calls[-1][0] == "mutate"


def test_tournament_mutates_the_best_of_the_drawn_sample():
    space = RecordingSpace(make_toy_space())
    re = RegularizedEvolution(space, np.random.default_rng(1), population_size=30, sample_size=4)
    scores = np.random.default_rng(2).random(30)
    for score in scores:
        re.tell(space.sample(np.random.default_rng(int(score * 1e6))), _feedback(float(score)))
    members = [arch for arch, _ in re.population]
    for _ in range(20):
        twin = copy.deepcopy(re.rng)  # predicts the tournament draw
        drawn = twin.integers(30, size=4)
        expected = members[max(drawn.tolist(), key=lambda i: scores[i])]
        re.ask()
        kind, parent = space.calls[-1]
        assert kind == "mutate" and parent == expected


def test_oldest_member_dies_not_the_worst():
    space = make_toy_space()
    re = RegularizedEvolution(space, np.random.default_rng(0), population_size=5, sample_size=2)
    archs = [(i, 0, 0, 0) for i in range(5)] + [(0, i, 0, 0) for i in range(1, 4)]
    scores = [0.9, 0.1, 0.2, 0.3, 0.4, 0.05, 0.06, 0.07]  # the first (best) member is the oldest
    for arch, score in zip(archs, scores):
        re.tell(arch, _feedback(score))
    assert re.population == list(zip(archs[3:], scores[3:]))


def test_invalid_settings_are_rejected():
    with pytest.raises(ValueError):
        RegularizedEvolution(make_toy_space(), np.random.default_rng(0), population_size=0)
