"""Live training of NAS-Bench-101 cells in PyTorch (the `benchlab[train]` extra).

`NB101Network` builds the network of a cell exactly as the official TensorFlow code did;
`train_cell` trains it with the NAS-Bench-101 protocol. Torch is imported only when one
of these names is used, so the rest of benchlab works without it.
"""

from __future__ import annotations

import importlib

_LAZY = {
    "NB101Network": "benchlab.train.network",
    "RMSpropTF": "benchlab.train.rmsprop_tf",
    "train_cell": "benchlab.train.trainer",
    "CifarTrainer": "benchlab.train.trainer",
    "TrainingResult": "benchlab.train.results",
    "Evaluation": "benchlab.train.results",
    "Protocol": "benchlab.train.protocol",
    "NB101_PROTOCOL": "benchlab.train.protocol",
    "load_cifar10": "benchlab.train.data",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'benchlab.train' has no attribute {name!r}")
