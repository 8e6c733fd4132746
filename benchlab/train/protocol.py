"""The NAS-Bench-101 training protocol: optimiser settings and the learning-rate schedule.

Values are those the official code used to fill the table: RMSProp (TensorFlow's rule)
with momentum 0.9, decay 0.9 and epsilon 1.0; base learning rate 0.1 scaled by the 2 TPU
shards to 0.2; cosine decay by step to zero; L2 weight decay 1e-4 on every trainable
variable; batch 256 split over 2 shards (batch-norm statistics per 128 images, gradients
averaged, as on the TPU); evaluation at the halfway point and at the end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: the epoch budgets the table was trained for
EPOCH_BUDGETS = (4, 12, 36, 108)


@dataclass(frozen=True)
class Protocol:
    batch_size: int = 256
    base_lr: float = 0.2
    momentum: float = 0.9
    decay: float = 0.9
    epsilon: float = 1.0
    weight_decay: float = 1e-4
    #: parts each batch is split into for batch-norm statistics (the table's 2 TPU shards)
    shards: int = 2

    def __post_init__(self):
        if self.batch_size < 1 or self.shards < 1 or self.batch_size % self.shards:
            raise ValueError(f"batch size {self.batch_size} must be a positive multiple of shards {self.shards}")

    def total_steps(self, epochs: float, num_train_images: int) -> int:
        """Optimiser steps for `epochs` (the official int(epochs * images / batch))."""
        return int(epochs * num_train_images / self.batch_size)

    def learning_rate(self, step: int, total_steps: int) -> float:
        """Cosine decay by step; step 0 has rate 0, as the official code initialises with one
        zero-rate step (batch-norm statistics and the RMS accumulator still move)."""
        if step == 0 or total_steps <= 0:
            return 0.0
        return 0.5 * self.base_lr * (1.0 + math.cos(math.pi * step / total_steps))


NB101_PROTOCOL = Protocol()
