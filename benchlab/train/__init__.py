"""Live training of NAS-Bench-101 and NAS-Bench-201 cells in PyTorch (the `benchlab[train]` extra).

`NB101Network` builds the network of a cell exactly as the official TensorFlow code did;
`train_cell` trains it with the NAS-Bench-101 protocol. `NB201Network` and
`train_nb201_cell` do the same for NAS-Bench-201 cells with that benchmark's protocol.
Torch is imported only when one of these names is used, so the rest of benchlab works
without it.
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
    "NB201Network": "benchlab.train.nb201_network",
    "train_nb201_cell": "benchlab.train.nb201_trainer",
    "NB201Trainer": "benchlab.train.nb201_trainer",
    "NB201Protocol": "benchlab.train.nb201_protocol",
    "NB201_PROTOCOL": "benchlab.train.nb201_protocol",
    "load_nb201_data": "benchlab.train.nb201_data",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'benchlab.train' has no attribute {name!r}")
