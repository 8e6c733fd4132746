"""Train one NB201 cell with the NAS-Bench-201 protocol and evaluate it as the benchmark did.

The network is `NB201Network` for the dataset's classes, initialised from the run's
generator (PyTorch's default initialisation, as the benchmark's code used). Evaluation
happens after the halfway epoch and after the last: accuracy on the first training
images (not augmented), the validation split and the test split, every image counted,
plus the seconds spent in training steps (evaluation excluded, as the table's time).
Devices and precision as `benchlab.train.trainer` (bfloat16 autocast on a GPU).
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import torch

from benchlab.spaces.nb201 import OPS
from benchlab.train.data import CifarSplits, augment
from benchlab.train.nb201_data import NB201Dataset, load_nb201_data, nb201_dataset
from benchlab.train.nb201_network import NB201Network
from benchlab.train.nb201_protocol import NB201_PROTOCOL, NB201Protocol
from benchlab.train.network import count_trainable_parameters
from benchlab.train.results import TrainingResult
from benchlab.train.trainer import (
    SlowTrainingWarning, _progress_bar, default_device, evaluator, resolve_precision, start_run, train_step,
)

_CPU_WARNING_STEPS = 200  # warn about CPU training beyond about two epochs of steps


def epoch_batches(images: torch.Tensor, labels: torch.Tensor, batch_size: int, generator: torch.Generator):
    """One epoch of augmented uint8 batches: a fresh shuffle, the last batch smaller (a
    shuffling DataLoader without drop_last, as the benchmark's)."""
    order = torch.randperm(len(labels), generator=generator)
    for start in range(0, len(order), batch_size):
        index = order[start:start + batch_size].to(images.device)
        yield augment(images[index], generator), labels[index]


def make_sgd(model: torch.nn.Module, protocol: NB201Protocol = NB201_PROTOCOL) -> torch.optim.SGD:
    return torch.optim.SGD(model.parameters(), lr=protocol.base_lr, momentum=protocol.momentum,
                           weight_decay=protocol.weight_decay, nesterov=protocol.nesterov)


def train_nb201_cell(
    arch,
    data: CifarSplits,
    dataset: NB201Dataset,
    *,
    epochs: int,
    rng: np.random.Generator,
    protocol: NB201Protocol = NB201_PROTOCOL,
    device: torch.device | str | None = None,
    precision: str = "auto",
    progress: bool = True,
    network_kwargs: dict | None = None,
) -> TrainingResult:
    """Train a fresh network of `arch` (6 op indices) on `data` for `epochs`; evaluate at halfway and end."""
    device, precision, init_seed, data_seed = start_run(epochs, device, precision, rng)
    channels_last = device.type == "cuda"
    with torch.random.fork_rng(devices=[]):  # PyTorch's default init, drawn from the run's seed only
        torch.manual_seed(init_seed)
        model = NB201Network(arch, dataset.classes, **(network_kwargs or {}))
    model.to(device)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    model.train()
    optimizer = make_sgd(model, protocol)
    scaler = torch.amp.GradScaler(device.type) if precision == "fp16" else None
    data = data.to(device)
    generator = torch.Generator().manual_seed(data_seed)
    stats = (dataset.mean, dataset.std)
    kw = dict(precision=precision, channels_last=channels_last, stats=stats)
    evaluate = evaluator(model, data, protocol.batch_size, whole_batches=False, **kw)

    per_epoch = protocol.steps_per_epoch(len(data.train_labels))
    bar = _progress_bar(epochs * per_epoch, progress, f"{epochs} epochs on {device.type}")
    started = time.perf_counter()
    training_time, halfway, steps = 0.0, None, 0
    for epoch in range(epochs):
        lr = protocol.learning_rate(epoch, epochs)
        for images, labels in epoch_batches(data.train_images, data.train_labels, protocol.batch_size, generator):
            tick = time.perf_counter()
            train_step(model, optimizer, images, labels, lr, scaler=scaler, **kw)
            if device.type == "cuda" and steps + 1 == per_epoch * epochs:
                torch.cuda.synchronize(device)
            training_time += time.perf_counter() - tick
            steps += 1
            bar.update(1)
            if device.type == "cpu" and steps == 3 and epochs * per_epoch > _CPU_WARNING_STEPS:
                hours = training_time / 3 * epochs * per_epoch / 3600
                warnings.warn(f"training on the CPU: {epochs} epochs will take about {hours:.1f} hours; "
                              "a CUDA GPU is far faster", SlowTrainingWarning, stacklevel=2)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        if epoch + 1 == epochs // 2:
            halfway = evaluate(float(epochs // 2), training_time)
    bar.close()
    final = evaluate(float(epochs), training_time)
    return TrainingResult(
        matrix=(),
        ops=tuple(OPS[i] for i in arch),
        epochs=int(epochs),
        trainable_parameters=count_trainable_parameters(model),
        halfway=halfway or final,  # one epoch has no separate halfway point
        final=final,
        total_time=time.perf_counter() - started,
        device=str(device),
        precision=precision,
        steps=steps,
    )


class NB201Trainer:
    """Trains NB201 cells on one dataset of the benchmark; the data is loaded once, on first use.

    `trainer(matrix, ops, epochs, rng)` is the contract `verify` uses (the matrix is empty:
    an NB201 cell is its 6 edge ops, given by name).
    """

    def __init__(self, dataset: str, data_dir, *, download: bool = False, device: str | None = None,
                 precision: str = "auto", protocol: NB201Protocol = NB201_PROTOCOL, progress: bool = True):
        self.dataset = nb201_dataset(dataset)
        self.data_dir, self.download = data_dir, download
        self.device = torch.device(device) if device else default_device()
        self.precision = resolve_precision(precision, self.device)
        self.protocol, self.progress = protocol, progress
        self._data: CifarSplits | None = None

    def __call__(self, matrix, ops, epochs: int, rng: np.random.Generator) -> TrainingResult:
        if self._data is None:
            self._data = load_nb201_data(self.dataset, self.data_dir, download=self.download).to(self.device)
        arch = tuple(OPS.index(op) for op in ops)
        return train_nb201_cell(arch, self._data, self.dataset, epochs=epochs, rng=rng, protocol=self.protocol,
                                device=self.device, precision=self.precision, progress=self.progress)
