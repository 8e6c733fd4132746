import pytest

from benchlab.train.protocol import NB101_PROTOCOL, Protocol


def test_official_settings():
    p = NB101_PROTOCOL
    assert (p.batch_size, p.base_lr, p.momentum, p.decay, p.epsilon, p.weight_decay) == (256, 0.2, 0.9, 0.9, 1.0, 1e-4)
    assert p.total_steps(4, 40_000) == 625
    assert p.total_steps(2, 40_000) == 312  # the halfway evaluation
    assert p.total_steps(108, 40_000) == 16_875
    assert p.shards == 2  # batch-norm statistics per 128 images, as on the 2 TPU shards


def test_batch_must_split_evenly_into_shards():
    with pytest.raises(ValueError):
        Protocol(batch_size=255, shards=2)


def test_cosine_decay_by_step_with_a_zero_first_step():
    p = Protocol(base_lr=0.2)
    assert p.learning_rate(0, 100) == 0.0
    assert p.learning_rate(1, 100) == pytest.approx(0.1 * (1 + 0.9995065603657316))
    assert p.learning_rate(50, 100) == pytest.approx(0.1)
    assert p.learning_rate(100, 100) == pytest.approx(0.0, abs=1e-12)
    rates = [p.learning_rate(s, 100) for s in range(1, 100)]
    assert all(a > b for a, b in zip(rates, rates[1:]))
