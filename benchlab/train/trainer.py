"""Train one NB101 cell with the NAS-Bench-101 protocol and evaluate it as the table did.

Evaluation happens at the halfway point and at the end: accuracy on the first training
batch file (no augmentation), the validation split and the test split, plus the seconds
spent in training steps (evaluation time excluded, as the table's `training_time`).
On a GPU the forward and backward passes run in bfloat16 autocast with channels-last
tensors; on a CPU in float32, with a warning of how long it will take.
"""

from __future__ import annotations

import contextlib
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F

from benchlab.errors import UserError
from benchlab.train.data import CifarSplits, normalise, training_batches
from benchlab.train.network import NB101Network, count_trainable_parameters
from benchlab.train.protocol import NB101_PROTOCOL, Protocol
from benchlab.train.results import Evaluation, TrainingResult
from benchlab.train.rmsprop_tf import RMSpropTF

PRECISIONS = ("auto", "fp32", "bf16", "fp16")
_CPU_WARNING_IMAGES = 50_000  # warn about CPU training beyond about one epoch of images


class SlowTrainingWarning(UserWarning):
    """Training runs on a CPU, which takes hours for the full-size network."""


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def resolve_precision(precision: str, device: torch.device) -> str:
    if precision not in PRECISIONS:
        raise UserError(f"unknown precision {precision!r}; use one of {', '.join(PRECISIONS)}")
    if precision == "auto":
        if device.type == "cuda":
            return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        return "fp32"
    return precision


def _autocast(device: torch.device, precision: str):
    if precision == "fp32":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return torch.autocast(device_type=device.type, dtype=dtype)


def make_optimizer(model: torch.nn.Module, protocol: Protocol = NB101_PROTOCOL) -> RMSpropTF:
    """TF RMSProp over every trainable parameter, L2 decay on all of them (as tf.trainable_variables())."""
    return RMSpropTF(
        [p for p in model.parameters() if p.requires_grad],
        lr=0.0,
        decay=protocol.decay,
        momentum=protocol.momentum,
        epsilon=protocol.epsilon,
        weight_decay=protocol.weight_decay,
    )


def train_step(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    images: torch.Tensor,
    labels: torch.Tensor,
    lr: float,
    *,
    precision: str = "fp32",
    scaler: torch.amp.GradScaler | None = None,
    channels_last: bool = False,
    shards: int = 1,
    stats=None,
) -> torch.Tensor:
    """One optimiser step on a uint8 image batch; returns the (detached) mean cross-entropy loss.

    With `shards` > 1 the batch is split into that many equal parts, each run forward and
    backward on its own (batch-norm statistics per part, as on the TPU shards that filled
    the table) and the gradients averaged, as TF's cross-shard optimiser does. `stats` are
    the (mean, std) images are normalised with (default NB101's).
    """
    for group in optimizer.param_groups:
        group["lr"] = lr
    optimizer.zero_grad(set_to_none=True)
    total = torch.zeros((), device=images.device)
    for part_images, part_labels in zip(images.chunk(shards), labels.chunk(shards)):
        inputs = normalise(part_images, stats=stats)
        if channels_last:
            inputs = inputs.contiguous(memory_format=torch.channels_last)
        with _autocast(images.device, precision):
            loss = F.cross_entropy(model(inputs), part_labels) / shards
        (scaler.scale(loss) if scaler is not None else loss).backward()
        total += loss.detach().float()
    if scaler is not None:
        scaler.step(optimizer)
        scaler.update()
    else:
        optimizer.step()
    return total


@torch.no_grad()
def accuracy(
    model: torch.nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    batch_size: int,
    *,
    precision: str = "fp32",
    channels_last: bool = False,
    stats=None,
    whole_batches: bool = True,
) -> float:
    """Fraction correct over whole batches only (the official NB101 evaluation drops the
    remainder), or over every image with `whole_batches=False` (as NB201 evaluates)."""
    usable = (len(labels) // batch_size) * batch_size or len(labels)
    if not whole_batches:
        usable = len(labels)
    was_training = model.training
    model.eval()
    correct = torch.zeros((), dtype=torch.int64, device=images.device)
    for start in range(0, usable, batch_size):
        stop = min(start + batch_size, usable)
        inputs = normalise(images[start:stop], stats=stats)
        if channels_last:
            inputs = inputs.contiguous(memory_format=torch.channels_last)
        with _autocast(images.device, precision):
            logits = model(inputs)
        correct += (logits.argmax(dim=1) == labels[start:stop]).sum()
    model.train(was_training)
    return float(correct.item()) / usable if usable else float("nan")


def start_run(epochs: int, device, precision: str, rng: np.random.Generator) -> tuple[torch.device, str, int, int]:
    """What every training run begins with: `epochs` checked, the device and precision
    resolved (cuDNN autotuning on a GPU), and the run's (init, data) seeds drawn from `rng`."""
    if epochs < 1:
        raise UserError(f"epochs must be at least 1, got {epochs}")
    device = torch.device(device) if device is not None else default_device()
    precision = resolve_precision(precision, device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed input shapes: let cuDNN pick its fastest kernels
    init_seed, data_seed = (int(s) for s in rng.integers(0, 2**63 - 1, size=2))
    return device, precision, init_seed, data_seed


def evaluator(model: torch.nn.Module, data: CifarSplits, batch_size: int, **accuracy_options):
    """`evaluate(epochs, training_time)`: the model's accuracy on the training images kept for
    evaluation, the validation and the test split, as an `Evaluation`."""

    def evaluate(epochs: float, training_time: float) -> Evaluation:
        return Evaluation(
            epochs=epochs,
            training_time=training_time,
            train_accuracy=accuracy(model, *data.train_eval, batch_size, **accuracy_options),
            validation_accuracy=accuracy(model, data.valid_images, data.valid_labels, batch_size, **accuracy_options),
            test_accuracy=accuracy(model, data.test_images, data.test_labels, batch_size, **accuracy_options),
        )

    return evaluate


def train_cell(
    matrix,
    ops,
    data: CifarSplits,
    *,
    epochs: int,
    rng: np.random.Generator,
    protocol: Protocol = NB101_PROTOCOL,
    device: torch.device | str | None = None,
    precision: str = "auto",
    channels_last: bool | None = None,
    network_kwargs: dict | None = None,
    progress: bool = True,
) -> TrainingResult:
    """Train a fresh network for `cell` on `data` for `epochs` and evaluate at halfway and end."""
    device, precision, init_seed, data_seed = start_run(epochs, device, precision, rng)
    channels_last = device.type == "cuda" if channels_last is None else channels_last

    model = NB101Network(matrix, ops, **(network_kwargs or {}))
    model.reset_parameters(torch.Generator().manual_seed(init_seed))
    model.to(device)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    model.train()
    optimizer = make_optimizer(model, protocol)
    scaler = torch.amp.GradScaler(device.type) if precision == "fp16" else None

    data = data.to(device)
    n_train = len(data.train_labels)
    total_steps = protocol.total_steps(epochs, n_train)
    halfway_steps = protocol.total_steps(epochs / 2, n_train)
    if total_steps < 1:
        raise UserError(f"{epochs} epochs of {n_train} images at batch {protocol.batch_size} is no step at all")
    batches = training_batches(data.train_images, data.train_labels, protocol.batch_size, torch.Generator().manual_seed(data_seed))

    evaluate = evaluator(model, data, protocol.batch_size, precision=precision, channels_last=channels_last)

    bar = _progress_bar(total_steps, progress, f"{epochs} epochs on {device.type}")
    started = time.perf_counter()
    training_time = 0.0
    halfway = None
    warned = device.type != "cpu" or total_steps * protocol.batch_size < _CPU_WARNING_IMAGES
    for step in range(total_steps):
        tick = time.perf_counter()
        images, labels = next(batches)
        train_step(
            model, optimizer, images, labels, protocol.learning_rate(step, total_steps),
            precision=precision, scaler=scaler, channels_last=channels_last, shards=protocol.shards,
        )
        if device.type == "cuda" and step + 1 in (halfway_steps, total_steps):
            torch.cuda.synchronize(device)
        training_time += time.perf_counter() - tick
        bar.update(1)
        if not warned and step == 2:
            warned = True
            rate = 3 * protocol.batch_size / training_time
            warnings.warn(
                f"training on the CPU at about {rate:.0f} images/s: {epochs} epochs will take about "
                f"{total_steps * protocol.batch_size / rate / 3600:.1f} hours; a CUDA GPU is far faster",
                SlowTrainingWarning,
                stacklevel=2,
            )
        if step + 1 == halfway_steps:
            halfway = evaluate(epochs / 2, training_time)
    bar.close()
    final = evaluate(float(epochs), training_time)
    if halfway is None:  # too few steps for a separate halfway point
        halfway = final
    return TrainingResult(
        matrix=tuple(tuple(int(x) for x in row) for row in model.matrix),
        ops=model.ops,
        epochs=int(epochs),
        trainable_parameters=count_trainable_parameters(model),
        halfway=halfway,
        final=final,
        total_time=time.perf_counter() - started,
        device=str(device),
        precision=precision,
        steps=total_steps,
    )


def _progress_bar(total: int, enabled: bool, description: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not enabled, desc=description, unit="step", leave=False)


class CifarTrainer:
    """Trains cells on CIFAR-10 with the NB101 protocol; the data is loaded once, on first use.

    Calling it as `trainer(matrix, ops, epochs, rng)` is the contract `verify` and the
    table-or-train benchmark use, so tests can hand them a stub instead.
    """

    def __init__(
        self,
        data_dir,
        *,
        download: bool = True,
        device: str | None = None,
        precision: str = "auto",
        protocol: Protocol = NB101_PROTOCOL,
        network_kwargs: dict | None = None,
        progress: bool = True,
    ):
        self.data_dir = data_dir
        self.network_kwargs = network_kwargs
        self.download = download
        self.device = torch.device(device) if device else default_device()
        self.precision = resolve_precision(precision, self.device)
        self.protocol = protocol
        self.progress = progress
        self._data: CifarSplits | None = None

    def __call__(self, matrix, ops, epochs: int, rng: np.random.Generator) -> TrainingResult:
        if self._data is None:
            from benchlab.train.data import load_cifar10

            self._data = load_cifar10(self.data_dir, download=self.download).to(self.device)
        return train_cell(
            matrix, ops, self._data, epochs=epochs, rng=rng, protocol=self.protocol,
            device=self.device, precision=self.precision, network_kwargs=self.network_kwargs,
            progress=self.progress,
        )
