"""The NAS-Bench-201 protocol and trainer, on a narrow network and tiny generated data."""

import math

import numpy as np
import pytest
import torch

from benchlab.train.nb201_data import DATASETS
from benchlab.train.nb201_network import NB201Network, parameter_count
from benchlab.train.nb201_protocol import NB201_PROTOCOL, NB201Protocol
from benchlab.train.nb201_trainer import NB201Trainer, epoch_batches, make_sgd, train_nb201_cell
from benchlab.train.results import TrainingResult
from tests.train.helpers import synthetic_splits

ARCH = (3, 3, 3, 1, 3, 2)
NARROW = dict(channels=4, cells_per_stage=1)
SMALL = NB201Protocol(batch_size=48)


def test_the_protocol_is_the_benchmarks():
    p = NB201_PROTOCOL
    assert (p.batch_size, p.base_lr, p.momentum, p.nesterov, p.weight_decay) == (256, 0.1, 0.9, True, 5e-4)
    assert p.learning_rate(0, 200) == 0.1  # the whole first epoch at the base rate
    assert p.learning_rate(100, 200) == pytest.approx(0.05)
    assert 0 < p.learning_rate(199, 200) < 1e-4  # towards 0, by epoch
    assert p.steps_per_epoch(25_000) == 98  # the last, smaller batch kept


def test_sgd_is_nesterov_with_decay_on_every_parameter():
    net = NB201Network(ARCH, 10, **NARROW)
    optimizer = make_sgd(net)
    (group,) = optimizer.param_groups
    assert group["nesterov"] and group["momentum"] == 0.9 and group["weight_decay"] == 5e-4
    assert sum(p.numel() for p in group["params"]) == parameter_count(ARCH, 10, **NARROW)


def test_an_epoch_sees_every_image_once_the_last_batch_smaller():
    labels = torch.arange(10)
    images = torch.zeros(10, 3, 32, 32, dtype=torch.uint8)
    batches = list(epoch_batches(images, labels, 4, torch.Generator().manual_seed(0)))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    assert sorted(torch.cat([b[1] for b in batches]).tolist()) == list(range(10))


def test_training_evaluates_every_image_at_halfway_and_end():
    data = synthetic_splits(n_train=96, n_eval=40)
    result = train_nb201_cell(ARCH, data, DATASETS["cifar10"], epochs=4, rng=np.random.default_rng(0),
                              protocol=SMALL, network_kwargs=NARROW, progress=False)
    assert result.steps == 8  # 2 batches of 48 per epoch
    assert result.halfway.epochs == 2 and result.final.epochs == 4.0
    assert 0 < result.halfway.training_time < result.final.training_time <= result.total_time
    for value in (result.final.validation_accuracy, result.final.test_accuracy):
        assert value * 40 == pytest.approx(round(value * 40))  # whole images out of all 40
    assert result.trainable_parameters == parameter_count(ARCH, 10, **NARROW)
    assert result.ops == ("nor_conv_3x3", "nor_conv_3x3", "nor_conv_3x3", "skip_connect", "nor_conv_3x3", "nor_conv_1x1")
    assert TrainingResult.from_dict(result.to_dict()) == result


def test_training_learns_and_the_same_rng_gives_the_same_result():
    data = synthetic_splits(n_train=96, n_eval=48)
    kwargs = dict(epochs=6, protocol=NB201Protocol(batch_size=32, base_lr=0.05), network_kwargs=NARROW, progress=False)
    a = train_nb201_cell(ARCH, data, DATASETS["cifar10"], rng=np.random.default_rng(3), **kwargs)
    b = train_nb201_cell(ARCH, data, DATASETS["cifar10"], rng=np.random.default_rng(3), **kwargs)
    assert a.final.validation_accuracy == b.final.validation_accuracy and a.final.train_accuracy == b.final.train_accuracy
    assert a.final.train_accuracy > 0.2  # chance is 0.1; the class shows in a channel's brightness
    assert not math.isnan(a.final.test_accuracy)


def test_the_trainer_loads_the_data_once_and_takes_ops_by_name(monkeypatch, tmp_path):
    import benchlab.train.nb201_trainer as module

    loads, trained = [], []
    monkeypatch.setattr(module, "load_nb201_data", lambda dataset, root, download: loads.append(root) or synthetic_splits())
    monkeypatch.setattr(module, "train_nb201_cell", lambda arch, data, dataset, **kw: trained.append((arch, dataset.name)))
    trainer = NB201Trainer("cifar100", tmp_path, progress=False)
    for _ in range(2):
        trainer(np.zeros((0, 0)), ("nor_conv_3x3",) * 3 + ("skip_connect", "nor_conv_3x3", "nor_conv_1x1"), 4,
                np.random.default_rng(0))
    assert loads == [tmp_path] and trained == [(ARCH, "cifar100")] * 2


def test_long_cpu_training_warns_about_the_time(monkeypatch):
    import benchlab.train.nb201_trainer as module
    from benchlab.train.trainer import SlowTrainingWarning

    monkeypatch.setattr(module, "_CPU_WARNING_STEPS", 2)
    with pytest.warns(SlowTrainingWarning, match="hours"):
        train_nb201_cell(ARCH, synthetic_splits(n_train=64, n_eval=16), DATASETS["cifar10"], epochs=2,
                         rng=np.random.default_rng(0), protocol=NB201Protocol(batch_size=16), network_kwargs=NARROW,
                         progress=False, device="cpu")


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_training_on_gpu_with_mixed_precision():
    data = synthetic_splits(n_train=256, n_eval=64)
    kwargs = dict(epochs=4, protocol=NB201Protocol(batch_size=64), network_kwargs=NARROW, device="cuda", progress=False)
    result = train_nb201_cell(ARCH, data, DATASETS["cifar10"], rng=np.random.default_rng(0), **kwargs)
    again = train_nb201_cell(ARCH, data, DATASETS["cifar10"], rng=np.random.default_rng(0), **kwargs)
    assert result.device.startswith("cuda") and result.precision in ("bf16", "fp16")
    assert 0.0 <= result.final.validation_accuracy <= 1.0 and result.steps == 16
    assert result.trainable_parameters == again.trainable_parameters == parameter_count(ARCH, 10, **NARROW)
