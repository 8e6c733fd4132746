"""The NAS-Bench-201 training protocol (Dong and Yang 2020, the table's `hp=200` runs).

SGD with Nesterov momentum 0.9 and weight decay 5e-4 on every parameter (torch's SGD, as
the benchmark's own code); learning rate 0.1 annealed by a cosine to 0 over 200 epochs,
set once per epoch (the benchmark's scheduler reads the epoch, not the step, after its
zero warm-up epochs); batch 256 drawn from a fresh shuffle each epoch, the last, smaller
batch kept; cross-entropy loss; augmentation: random 32x32 crop of the image padded by 4,
random horizontal flip.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: the epoch budget the table records (`hp=200`)
TABLE_EPOCHS = 200


@dataclass(frozen=True)
class NB201Protocol:
    batch_size: int = 256
    base_lr: float = 0.1
    min_lr: float = 0.0
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 5e-4

    def steps_per_epoch(self, num_train_images: int) -> int:
        return math.ceil(num_train_images / self.batch_size)

    def learning_rate(self, epoch: int, epochs: int) -> float:
        """Cosine annealing by epoch: base_lr in epoch 0, approaching min_lr in the last."""
        return self.min_lr + (self.base_lr - self.min_lr) * (1.0 + math.cos(math.pi * epoch / epochs)) / 2.0


NB201_PROTOCOL = NB201Protocol()
