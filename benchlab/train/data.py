"""CIFAR-10 as NAS-Bench-101 split it, and the official augmentation, on tensors.

Training batches 1-4 (40,000 images) train, batch 5 (10,000) validates, the test batch
tests, and training accuracy is measured on batch 1 without augmentation, as the official
pipeline did. Images stay uint8 on the training device; each batch is augmented there
(zero pad 4, random 32x32 crop, random horizontal flip) and normalised per channel with the
official means and deviations, so the data pipeline never waits on the CPU.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from benchlab.errors import DataError, UserError

#: per-channel statistics on the 0-255 scale, from the official pipeline
RGB_MEAN = (125.31, 122.95, 113.87)
RGB_STD = (62.99, 62.09, 66.70)
IMAGES_PER_BATCH_FILE = 10_000
PAD = 4


@dataclass
class CifarSplits:
    """uint8 images (N, 3, 32, 32) and int64 labels for each split."""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    valid_images: torch.Tensor
    valid_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    #: how many leading training images measure training accuracy (batch file 1)
    train_eval_count: int = IMAGES_PER_BATCH_FILE

    def to(self, device) -> "CifarSplits":
        moved = {name: getattr(self, name).to(device) for name in _TENSOR_FIELDS}
        return CifarSplits(**moved, train_eval_count=self.train_eval_count)

    @property
    def train_eval(self) -> tuple[torch.Tensor, torch.Tensor]:
        n = min(self.train_eval_count, len(self.train_labels))
        return self.train_images[:n], self.train_labels[:n]


_TENSOR_FIELDS = ("train_images", "train_labels", "valid_images", "valid_labels", "test_images", "test_labels")


def split_cifar10(train_images: np.ndarray, train_labels, test_images: np.ndarray, test_labels) -> CifarSplits:
    """Split the 50,000 training images (NHWC uint8, batch files in order) into train/valid."""
    train_images = np.asarray(train_images)
    if train_images.shape != (5 * IMAGES_PER_BATCH_FILE, 32, 32, 3) or train_images.dtype != np.uint8:
        raise DataError(
            f"CIFAR-10 training images have shape {train_images.shape} ({train_images.dtype}); expected "
            "(50000, 32, 32, 3) uint8; delete the CIFAR-10 folder and let benchlab download it again"
        )
    cut = 4 * IMAGES_PER_BATCH_FILE

    def images(a):
        return torch.from_numpy(np.ascontiguousarray(np.asarray(a).transpose(0, 3, 1, 2)))

    def labels(a):
        return torch.as_tensor(np.asarray(a), dtype=torch.int64)

    return CifarSplits(
        train_images=images(train_images[:cut]),
        train_labels=labels(train_labels[:cut]),
        valid_images=images(train_images[cut:]),
        valid_labels=labels(np.asarray(train_labels)[cut:]),
        test_images=images(test_images),
        test_labels=labels(test_labels),
    )


def load_cifar10(data_dir: str | Path, *, download: bool = True) -> CifarSplits:
    """CIFAR-10 through torchvision's dataset class (downloaded into `data_dir` when absent)."""
    try:
        from torchvision.datasets import CIFAR10
    except ImportError:
        raise UserError(
            "torchvision is not installed, and live training reads CIFAR-10 with it; "
            "install the training extra with `pip install benchlab[train]`"
        ) from None
    root = Path(data_dir)
    try:
        train = CIFAR10(str(root), train=True, download=download)
        test = CIFAR10(str(root), train=False, download=download)
    except (RuntimeError, OSError) as exc:  # "Dataset not found or corrupted"; a download that cannot connect
        raise DataError(
            f"CIFAR-10 not found, corrupt or not downloadable in {root} ({str(exc).splitlines()[0]}); put "
            "cifar-10-batches-py (the python version of CIFAR-10) there, or point --data-dir at a folder holding it"
        ) from None
    # torchvision concatenates data_batch_1..5 in order, so batch 5 is the last 10,000 images
    return split_cifar10(train.data, train.targets, test.data, test.targets)


def normalise(images: torch.Tensor, dtype: torch.dtype = torch.float32, stats=None) -> torch.Tensor:
    """uint8 (N, 3, H, W) -> float, each channel centred and scaled by `stats` (mean, std on the
    0-255 scale; default the official NB101 statistics)."""
    rgb_mean, rgb_std = stats or (RGB_MEAN, RGB_STD)
    mean = torch.tensor(rgb_mean, device=images.device, dtype=dtype).view(1, 3, 1, 1)
    std = torch.tensor(rgb_std, device=images.device, dtype=dtype).view(1, 3, 1, 1)
    return (images.to(dtype) - mean) / std


def augment(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Zero-pad by 4, crop a random 32x32 window and flip half the images, per image.

    `generator` lives on the CPU; the few random numbers drawn per batch are moved to the
    images' device, so results do not depend on where training runs.
    """
    n, _, h, w = images.shape
    padded = torch.nn.functional.pad(images, (PAD, PAD, PAD, PAD))  # black border, as the raw pixels
    dy = torch.randint(0, 2 * PAD + 1, (n,), generator=generator).to(images.device)
    dx = torch.randint(0, 2 * PAD + 1, (n,), generator=generator).to(images.device)
    flip = (torch.rand(n, generator=generator) < 0.5).to(images.device)
    rows = (dy[:, None] + torch.arange(h, device=images.device)[None, :])[:, None, :, None]
    cols = torch.arange(w, device=images.device)[None, :]
    cols = torch.where(flip[:, None], w - 1 - cols, cols)  # flipping = reading columns backwards
    cols = (dx[:, None] + cols)[:, None, None, :]
    batch = torch.arange(n, device=images.device)[:, None, None, None]
    channel = torch.arange(images.shape[1], device=images.device)[None, :, None, None]
    return padded[batch, channel, rows, cols]


def training_batches(
    images: torch.Tensor, labels: torch.Tensor, batch_size: int, generator: torch.Generator
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Endless augmented uint8 batches: a fresh shuffle each epoch, batches running across
    epoch boundaries (as TF's shuffle-and-repeat followed by batching)."""
    n = len(labels)
    if n == 0:
        raise DataError("no training images")
    pending = torch.empty(0, dtype=torch.int64)
    while True:
        while len(pending) < batch_size:
            pending = torch.cat([pending, torch.randperm(n, generator=generator)])
        take, pending = pending[:batch_size], pending[batch_size:]
        index = take.to(images.device)
        yield augment(images[index], generator), labels[index]
