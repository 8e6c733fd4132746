"""Where the data-dependent proxies get their one batch of images.

A source is named by a short text:

* "cifar10" (the default) or "cifar10:DIR": CIFAR-10 training images read with torchvision
  from DIR (default `data_dir()/cifar10`, the folder `benchlab verify` downloads into);
  never downloaded here.
* "npz:PATH": a user's own images, an .npz file with `images` (N, H, W, 3) or (N, 3, H, W)
  uint8 and integer `labels` (N,).
* "noise": standard normal images with uniform labels (no data needed; a stand-in).

Images are drawn with the seed, normalised per channel with the CIFAR statistics and
average-pooled to the benchmark's resolution when it is smaller (ImageNet16-120: 16 px).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from benchlab.errors import DataError, UserError
from benchlab.paths import data_dir

DEFAULT_SOURCE = "cifar10"


def proxy_batch(source: str, *, batch_size: int, resolution: int, num_classes: int, seed: int):
    """(images float32 (B, 3, R, R), labels int64 (B,)) from `source`."""
    rng = np.random.default_rng(seed)
    kind, _, where = source.partition(":")
    if kind == "noise":
        generator = torch.Generator().manual_seed(int(rng.integers(2**31)))
        images = torch.randn((batch_size, 3, resolution, resolution), generator=generator)
        return images, torch.as_tensor(rng.integers(num_classes, size=batch_size), dtype=torch.int64)
    if kind == "cifar10":
        images, labels = _cifar10(Path(where) if where else data_dir() / "cifar10")
    elif kind == "npz" and where:
        images, labels = _npz(Path(where))
    else:
        raise UserError(f"unknown proxy data source {source!r}; use cifar10, cifar10:DIR, npz:PATH or noise")
    if len(images) < batch_size:
        raise DataError(f"proxy data {source!r} has {len(images)} images, fewer than the batch of {batch_size}; "
                        "give a smaller batch or more images")
    if labels.max() >= num_classes or labels.min() < 0:
        raise DataError(f"proxy data {source!r} has labels outside 0..{num_classes - 1}; give labels of this benchmark")
    pick = rng.choice(len(images), size=batch_size, replace=False)
    return _normalise(images[pick], resolution), torch.as_tensor(labels[pick], dtype=torch.int64)


def _cifar10(root: Path):
    if not (root / "cifar-10-batches-py").is_dir():
        raise DataError(
            f"the data-dependent proxies need a batch of images and CIFAR-10 is not in {root}; put "
            "cifar-10-batches-py there (`benchlab verify` downloads it), name another source with "
            "--proxy-data cifar10:DIR or npz:PATH, or use --proxy-data noise"
        )
    try:
        from torchvision.datasets import CIFAR10
    except ImportError:
        raise UserError("reading CIFAR-10 needs torchvision; install the training extra: pip install benchlab[train]") from None
    try:
        data = CIFAR10(str(root), train=True, download=False)
    except RuntimeError as exc:
        raise DataError(f"CIFAR-10 in {root} is unreadable ({exc}); delete it and download it again") from None
    return np.asarray(data.data), np.asarray(data.targets)


def _npz(path: Path):
    try:
        with np.load(path) as arrays:
            images, labels = np.asarray(arrays["images"]), np.asarray(arrays["labels"])
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"{path}: not an .npz with `images` and `labels` ({exc}); write one with numpy.savez") from None
    if images.ndim != 4 or 3 not in (images.shape[1], images.shape[3]) or len(labels) != len(images):
        raise DataError(f"{path}: images must be (N, H, W, 3) or (N, 3, H, W) with N labels, got {images.shape}")
    return images, labels.astype(np.int64)


#: per-channel statistics on the 0-255 scale (CIFAR-10's)
_MEAN = (125.31, 122.95, 113.87)
_STD = (62.99, 62.09, 66.70)


def _normalise(images: np.ndarray, resolution: int) -> torch.Tensor:
    if images.shape[-1] == 3:
        images = images.transpose(0, 3, 1, 2)
    x = torch.as_tensor(np.ascontiguousarray(images), dtype=torch.float32)
    x = (x - torch.tensor(_MEAN).view(1, 3, 1, 1)) / torch.tensor(_STD).view(1, 3, 1, 1)
    if x.shape[-1] > resolution:
        x = torch.nn.functional.adaptive_avg_pool2d(x, resolution)
    return x
