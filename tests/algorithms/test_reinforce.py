"""REINFORCE: the policy gradient moves probability towards rewarded decisions."""

from __future__ import annotations

import numpy as np

from algorithms.base import Feedback
from algorithms.reinforce import Reinforce
from benchlab.errors import InvalidArchitectureError
from tests.toy import make_toy_space


def _train(strategy, reward, steps: int, batch: int = 1):
    for _ in range(steps):
        asked = [strategy.ask() for _ in range(batch)]
        for arch in asked:
            strategy.tell(arch, Feedback(valid=reward(arch), cost=1.0))


def test_policy_starts_uniform():
    strategy = Reinforce(make_toy_space(n_dims=3, n_choices=4), np.random.default_rng(0))
    np.testing.assert_allclose(strategy.probabilities(), 0.25)


def test_probability_moves_towards_the_rewarded_choice():
    strategy = Reinforce(make_toy_space(), np.random.default_rng(0))
    _train(strategy, lambda arch: 1.0 if arch[0] == 3 else 0.0, steps=200)
    p = strategy.probabilities()
    assert p[0, 3] > 0.8  # learnt the rewarded decision
    assert p[1:].max() < 0.5  # the unrewarded decisions stay spread out


def test_parallel_asks_update_with_the_decisions_they_sampled():
    strategy = Reinforce(make_toy_space(), np.random.default_rng(1))
    _train(strategy, lambda arch: 1.0 if arch[2] == 1 else 0.0, steps=50, batch=4)
    assert strategy.probabilities()[2, 1] > 0.8
    assert not strategy._pending  # every sampled vector was consumed by its tell


class AliasingSpace:
    """Toy space whose decision 1 is ignored when decision 0 is 0 (two vectors, one arch),
    where decision 0 == 4 is invalid, and whose to_decisions must not be needed for asked archs."""

    def __init__(self):
        self._space = make_toy_space()

    def __getattr__(self, name):
        return getattr(self._space, name)

    def from_decisions(self, decisions):
        d = [int(x) for x in decisions]
        if d[0] == 4:
            raise InvalidArchitectureError("decision 0 may not be 4")
        if d[0] == 0:
            d[1] = 0
        return tuple(d)

    def to_decisions(self, arch):
        raise AssertionError("the update must use the sampled decision vector")


def test_invalid_vectors_are_rejected_and_resampled_without_an_update():
    strategy = Reinforce(AliasingSpace(), np.random.default_rng(0))
    before = strategy.logits.copy()
    asked = [strategy.ask() for _ in range(50)]  # no tell: the policy must not move
    assert strategy.invalid_draws > 0
    assert all(arch[0] != 4 for arch in asked)
    np.testing.assert_array_equal(strategy.logits, before)


def test_one_gradient_step_matches_the_reference_update():
    strategy = Reinforce(make_toy_space(n_dims=2, n_choices=3), np.random.default_rng(0), learning_rate=0.1)
    strategy.tell(strategy.ask(), Feedback(valid=0.5, cost=1.0))  # baseline = 0.5, advantage 0
    np.testing.assert_array_equal(strategy.logits, 0.0)
    arch = strategy.ask()
    strategy.tell(arch, Feedback(valid=0.9, cost=1.0))
    baseline = (0.9 * 0.1 * 0.5 + 0.1 * 0.9) / (0.9 * 0.1 + 0.1)  # bias-corrected EMA after both
    expected = np.full((2, 3), -1 / 3)
    expected[[0, 1], list(arch)] += 1.0
    np.testing.assert_allclose(strategy.logits, 0.1 * (0.9 - baseline) * expected)


def test_update_uses_the_sampled_vector_not_the_architecture():
    space = AliasingSpace()
    strategy = Reinforce(space, np.random.default_rng(3))
    # ask until a proposal whose sampled decision 1 was overwritten by the space
    while True:
        arch = strategy.ask()
        (sampled,) = strategy._pending[arch]
        if arch[0] == 0 and sampled[1] != 0:
            break
        strategy.tell(arch, Feedback(valid=0.5, cost=1.0))
    strategy._ema_num, strategy._ema_den = 0.1, 1.0  # a baseline below the reward: positive advantage
    before = strategy.logits.copy()
    strategy.tell(arch, Feedback(valid=0.9, cost=1.0))
    moved = strategy.logits - before
    assert moved[1, sampled[1]] > 0 and moved[1, 0] < 0


def test_baseline_is_a_bias_corrected_moving_average():
    strategy = Reinforce(make_toy_space(), np.random.default_rng(0), baseline_momentum=0.9)
    rewards = [0.2, 0.8, 0.5]
    for r in rewards:
        strategy.tell(strategy.ask(), Feedback(valid=r, cost=1.0))
    weights = 0.9 ** np.arange(len(rewards))[::-1]
    assert np.isclose(strategy.baseline, np.dot(weights, rewards) / weights.sum())


def test_sampling_follows_the_policy_probabilities():
    strategy = Reinforce(make_toy_space(n_dims=2, n_choices=5), np.random.default_rng(0))
    strategy.logits[:] = [[2.0, 0.0, -1.0, 0.5, -3.0], [0.0, 0.0, 0.0, 0.0, 4.0]]
    strategy._refresh()
    draws = np.array([strategy._sample_decisions() for _ in range(20000)])
    for i in range(2):
        frequencies = np.bincount(draws[:, i], minlength=5) / len(draws)
        np.testing.assert_allclose(frequencies, strategy.probabilities()[i], atol=0.01)


def test_softmax_stays_finite_under_huge_advantages():
    strategy = Reinforce(make_toy_space(), np.random.default_rng(0), learning_rate=50.0)
    for i in range(200):  # rewards alternating between -1e3 and +1e3 (a loss served negated)
        strategy.tell(strategy.ask(), Feedback(valid=1e3 if i % 2 else -1e3, cost=1.0))
    p = strategy.probabilities()
    assert np.all(np.isfinite(p)) and np.allclose(p.sum(axis=1), 1.0)
