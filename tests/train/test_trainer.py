import numpy as np
import pytest
import torch

from benchlab.errors import UserError
from benchlab.train import NB101Network, TrainingResult, train_cell
from benchlab.train.plan import network_parameters
from benchlab.train.protocol import Protocol
from benchlab.train.trainer import make_optimizer, train_step
from tests.train.helpers import INCEPTION_MATRIX, INCEPTION_OPS, NARROW, synthetic_splits

SMALL = Protocol(batch_size=32)


def test_a_few_steps_lower_the_loss():
    data = synthetic_splits(n_train=64)
    net = NB101Network(INCEPTION_MATRIX, INCEPTION_OPS, **NARROW)
    net.reset_parameters(torch.Generator().manual_seed(0))
    optimizer = make_optimizer(net)
    losses = [float(train_step(net, optimizer, data.train_images, data.train_labels, 0.05)) for _ in range(12)]
    assert losses[-1] < losses[0] - 0.05
    assert np.isfinite(losses).all()


def test_train_cell_evaluates_at_halfway_and_end():
    data = synthetic_splits()
    result = train_cell(
        INCEPTION_MATRIX, INCEPTION_OPS, data, epochs=4, rng=np.random.default_rng(0),
        protocol=SMALL, network_kwargs=NARROW, progress=False,
    )
    assert result.steps == 16  # int(4 * 128 / 32)
    assert result.halfway.epochs == 2.0 and result.final.epochs == 4.0
    assert 0 < result.halfway.training_time < result.final.training_time <= result.total_time
    for evaluation in (result.halfway, result.final):
        for value in (evaluation.train_accuracy, evaluation.validation_accuracy, evaluation.test_accuracy):
            assert 0.0 <= value <= 1.0
            assert value * 64 == pytest.approx(round(value * 64))  # whole images out of 64
    assert result.trainable_parameters == network_parameters(np.array(INCEPTION_MATRIX), INCEPTION_OPS, **NARROW)
    assert result.device == "cpu" and result.precision == "fp32"
    assert TrainingResult.from_dict(result.to_dict()) == result


def test_same_rng_same_result():
    data = synthetic_splits(n_train=64)
    kwargs = dict(epochs=2, protocol=SMALL, network_kwargs=NARROW, progress=False)
    a = train_cell(INCEPTION_MATRIX, INCEPTION_OPS, data, rng=np.random.default_rng(5), **kwargs)
    b = train_cell(INCEPTION_MATRIX, INCEPTION_OPS, data, rng=np.random.default_rng(5), **kwargs)
    assert (a.final.validation_accuracy, a.final.test_accuracy) == (b.final.validation_accuracy, b.final.test_accuracy)


def test_bad_settings_are_user_errors():
    data = synthetic_splits(n_train=16)
    with pytest.raises(UserError):
        train_cell(INCEPTION_MATRIX, INCEPTION_OPS, data, epochs=0, rng=np.random.default_rng(0), network_kwargs=NARROW)
    with pytest.raises(UserError, match="precision"):
        train_cell(INCEPTION_MATRIX, INCEPTION_OPS, data, epochs=1, rng=np.random.default_rng(0),
                   network_kwargs=NARROW, precision="fp8", protocol=Protocol(batch_size=8))


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_training_on_gpu_with_mixed_precision():
    data = synthetic_splits(n_train=256)
    result = train_cell(
        INCEPTION_MATRIX, INCEPTION_OPS, data, epochs=4, rng=np.random.default_rng(0),
        protocol=SMALL, network_kwargs=dict(stem_channels=16, num_stacks=2, cells_per_stack=1),
        device="cuda", progress=False,
    )
    assert result.device.startswith("cuda") and result.precision in ("bf16", "fp16")
    assert 0.0 <= result.final.validation_accuracy <= 1.0
    net = NB101Network(INCEPTION_MATRIX, INCEPTION_OPS, **NARROW).cuda().to(memory_format=torch.channels_last)
    optimizer = make_optimizer(net)
    images, labels = data.train_images[:64].cuda(), data.train_labels[:64].cuda()
    losses = [float(train_step(net, optimizer, images, labels, 0.05, precision="bf16", channels_last=True)) for _ in range(12)]
    assert losses[-1] < losses[0]


def test_cpu_training_warns_about_the_time(monkeypatch):
    from benchlab.train import trainer

    monkeypatch.setattr(trainer, "_CPU_WARNING_IMAGES", 64)
    with pytest.warns(trainer.SlowTrainingWarning, match="hours"):
        train_cell(INCEPTION_MATRIX, INCEPTION_OPS, synthetic_splits(n_train=64), epochs=2,
                   rng=np.random.default_rng(0), protocol=SMALL, network_kwargs=NARROW, progress=False, device="cpu")


def test_cifar_trainer_loads_the_data_once(monkeypatch, tmp_path):
    from benchlab.train import data as data_module
    from benchlab.train.trainer import CifarTrainer

    loads = []

    def fake_load(folder, download):
        loads.append((folder, download))
        return synthetic_splits(n_train=64)

    monkeypatch.setattr(data_module, "load_cifar10", fake_load)
    trainer = CifarTrainer(tmp_path, download=False, device="cpu", protocol=SMALL, network_kwargs=NARROW, progress=False)
    first = trainer(np.array(INCEPTION_MATRIX), INCEPTION_OPS, 2, np.random.default_rng(0))
    second = trainer(np.array(INCEPTION_MATRIX), INCEPTION_OPS, 2, np.random.default_rng(0))
    assert loads == [(tmp_path, False)]
    assert first.steps == 4
    assert first.final.validation_accuracy == second.final.validation_accuracy  # same rng, same run


def test_sharded_step_averages_the_gradients_of_separately_normalised_halves():
    import copy

    data = synthetic_splits(n_train=32)
    images, labels = data.train_images, data.train_labels
    net = NB101Network(INCEPTION_MATRIX, INCEPTION_OPS, **NARROW)
    net.reset_parameters(torch.Generator().manual_seed(0))
    by_hand = copy.deepcopy(net)
    train_step(net, torch.optim.SGD(net.parameters(), lr=1.0), images, labels, 1.0, shards=2)
    from benchlab.train.data import normalise

    for half in (slice(0, 16), slice(16, 32)):
        loss = torch.nn.functional.cross_entropy(by_hand(normalise(images[half])), labels[half]) / 2
        loss.backward()
    with torch.no_grad():
        for p in by_hand.parameters():
            p -= p.grad
    for a, b in zip(net.parameters(), by_hand.parameters()):
        assert torch.allclose(a, b, atol=1e-6)
    whole = copy.deepcopy(by_hand)
    train_step(whole, torch.optim.SGD(whole.parameters(), lr=1.0), images, labels, 1.0, shards=1)
    moved = copy.deepcopy(by_hand)
    train_step(moved, torch.optim.SGD(moved.parameters(), lr=1.0), images, labels, 1.0, shards=2)
    assert not all(torch.allclose(a, b) for a, b in zip(whole.parameters(), moved.parameters()))
