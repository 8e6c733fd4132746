"""Shared pieces of the training tests: small cells and synthetic CIFAR-shaped data."""

from __future__ import annotations

import torch

from benchlab.train.data import CifarSplits

INCEPTION_MATRIX = [
    [0, 1, 1, 1, 0, 1, 0],
    [0, 0, 0, 0, 0, 0, 1],
    [0, 0, 0, 0, 0, 0, 1],
    [0, 0, 0, 0, 1, 0, 0],
    [0, 0, 0, 0, 0, 0, 1],
    [0, 0, 0, 0, 0, 0, 1],
    [0, 0, 0, 0, 0, 0, 0],
]
INCEPTION_OPS = [
    "input", "conv1x1-bn-relu", "conv3x3-bn-relu", "conv3x3-bn-relu", "conv3x3-bn-relu", "maxpool3x3", "output",
]
INCEPTION_PARAMETERS = 2_694_282  # recorded in the NAS-Bench-101 README

NARROW = dict(stem_channels=8, num_stacks=1, cells_per_stack=1)


def synthetic_splits(n_train: int = 128, n_eval: int = 64, seed: int = 0, learnable: bool = True) -> CifarSplits:
    """uint8 images whose class shows in the mean brightness of one channel (so it can be learnt)."""
    g = torch.Generator().manual_seed(seed)

    def split(n):
        labels = torch.randint(0, 10, (n,), generator=g)
        images = torch.randint(0, 96, (n, 3, 32, 32), generator=g, dtype=torch.uint8)
        if learnable:
            images[torch.arange(n), labels % 3] += (16 * (labels // 3 + 1)).to(torch.uint8)[:, None, None]
        return images, labels

    return CifarSplits(*split(n_train), *split(n_eval), *split(n_eval), train_eval_count=n_eval)
