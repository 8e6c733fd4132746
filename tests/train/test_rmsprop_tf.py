import math

import pytest
import torch

from benchlab.train import RMSpropTF


def _two_steps(weight_decay=0.0):
    p = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    opt = RMSpropTF([p], lr=0.1, decay=0.9, momentum=0.9, epsilon=1.0, weight_decay=weight_decay)
    history = []
    for _ in range(2):
        opt.zero_grad()
        (0.5 * p[0] + 3.0 * p[1]).backward()  # constant gradient (0.5, 3.0)
        opt.step()
        history.append(p.detach().clone())
    return history


def test_one_step_matches_the_tensorflow_rule_by_hand():
    # ms starts at ONES: ms1 = 0.9*1 + 0.1*g^2; mom1 = 0.1*g/sqrt(ms1 + 1); p1 = p0 - mom1
    (p1, p2) = _two_steps()
    ms1_a, ms1_b = 0.9 + 0.1 * 0.25, 0.9 + 0.1 * 9.0  # 0.925, 1.8
    mom1_a, mom1_b = 0.1 * 0.5 / math.sqrt(1.925), 0.1 * 3.0 / math.sqrt(2.8)
    assert p1.tolist() == pytest.approx([1.0 - mom1_a, -2.0 - mom1_b], abs=1e-7)
    # second step: the momentum carries 0.9 of the first move
    ms2_a, ms2_b = 0.9 * ms1_a + 0.025, 0.9 * ms1_b + 0.9
    mom2_a = 0.9 * mom1_a + 0.1 * 0.5 / math.sqrt(ms2_a + 1.0)
    mom2_b = 0.9 * mom1_b + 0.1 * 3.0 / math.sqrt(ms2_b + 1.0)
    assert p2.tolist() == pytest.approx([1.0 - mom1_a - mom2_a, -2.0 - mom1_b - mom2_b], abs=1e-7)


def test_differs_from_torch_rmsprop_with_epsilon_one():
    p = torch.nn.Parameter(torch.tensor([1.0]))
    opt = torch.optim.RMSprop([p], lr=0.1, alpha=0.9, eps=1.0, momentum=0.9)
    (0.5 * p).sum().backward()
    opt.step()
    (p1, _) = _two_steps()
    assert abs(p.item() - p1[0].item()) > 1e-3  # zeros-initialised accumulator, eps outside the root


def test_weight_decay_is_the_gradient_of_the_l2_loss():
    (p1, _) = _two_steps(weight_decay=0.01)
    g_a, g_b = 0.5 + 0.01 * 1.0, 3.0 + 0.01 * -2.0  # d/dp of 0.01 * p^2 / 2
    step_a = 0.1 * g_a / math.sqrt(0.9 + 0.1 * g_a**2 + 1.0)
    step_b = 0.1 * g_b / math.sqrt(0.9 + 0.1 * g_b**2 + 1.0)
    assert p1.tolist() == pytest.approx([1.0 - step_a, -2.0 - step_b], abs=1e-7)


def test_zero_learning_rate_moves_nothing_but_fills_the_accumulator():
    p = torch.nn.Parameter(torch.tensor([1.0]))
    opt = RMSpropTF([p], lr=0.0)
    (2.0 * p).sum().backward()
    opt.step()
    assert p.item() == 1.0
    assert opt.state[p]["ms"].item() == pytest.approx(0.9 + 0.1 * 4.0)


def test_rejects_bad_settings():
    with pytest.raises(ValueError):
        RMSpropTF([torch.nn.Parameter(torch.zeros(1))], decay=1.5)
