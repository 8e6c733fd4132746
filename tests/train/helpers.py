"""Shared pieces of the training tests: small cells and synthetic CIFAR-shaped data."""

from __future__ import annotations

import numpy as np
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


# -- a tiny NB101 table in the official layout, and a trainer stub with known answers --------
TABLE_CELLS = [  # (matrix, ops) of small cells (nothing to prune)
    ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "conv3x3-bn-relu", "output"]),
    ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "conv1x1-bn-relu", "output"]),
    ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "maxpool3x3", "output"]),
    ([[0, 1, 1], [0, 0, 1], [0, 0, 0]], ["input", "conv3x3-bn-relu", "output"]),
]
#: per cell, per repeat: (train, valid, test, time) at the final point of 4 epochs
TABLE_FINAL = [
    [(0.60, 0.50, 0.49, 100.0), (0.62, 0.52, 0.50, 110.0), (0.64, 0.54, 0.51, 120.0)],
    [(0.50, 0.40, 0.39, 80.0), (0.52, 0.42, 0.40, 82.0), (0.54, 0.44, 0.41, 84.0)],
    [(0.30, 0.20, 0.21, 50.0), (0.31, 0.21, 0.22, 51.0), (0.32, 0.22, 0.23, 52.0)],
    [(0.70, 0.60, 0.59, 130.0), (0.72, 0.62, 0.60, 140.0), (0.74, 0.64, 0.61, 150.0)],
]


def write_tiny_table(folder):
    """Convert a 4-cell, 3-repeat, 4-epoch record file; returns (NB101Benchmark, keys)."""
    from benchlab.benchmarks.nb101 import NB101Benchmark
    from benchlab.io.nb101_convert import convert_nb101
    from benchlab.io.nb101_records import EvaluationData, NB101Record, write_nb101_records
    from benchlab.spaces.nb101 import official_module_hash

    records, keys = [], []
    for i, ((matrix, ops), repeats) in enumerate(zip(TABLE_CELLS, TABLE_FINAL)):
        key = official_module_hash(np.array(matrix), ops)
        keys.append(key)
        for train, valid, test, time in repeats:
            evaluations = (
                EvaluationData(0.0, 0.0, 0.1, 0.1, 0.1),
                EvaluationData(2.0, time / 2, train - 0.1, valid - 0.1, test - 0.1),
                EvaluationData(4.0, time, train, valid, test),
            )
            records.append(NB101Record(len(records), 0, key, 4, np.array(matrix, np.uint8), tuple(ops), 1000 + i, time, evaluations))
    src = folder / "tiny.tfrecord"
    write_nb101_records(src, records)
    dst = convert_nb101(src, folder / "tiny.h5", progress=False)
    return NB101Benchmark.open(dst, name="tiny"), keys


class StubTrainer:
    """Returns fixed accuracies per cell (by op of vertex 1 and edge count) and counts its calls."""

    def __init__(self, valid_by_cell: dict, default: float | None = None):
        self.valid_by_cell = valid_by_cell  # (ops tuple, edges) -> validation accuracy
        self.default = default  # for any other cell (None: such a cell is a test failure)
        self.calls = []

    def __call__(self, matrix, ops, epochs, rng):
        from benchlab.train.results import Evaluation, TrainingResult

        matrix = np.asarray(matrix)
        self.calls.append((tuple(ops), int(matrix.sum()), epochs))
        cell = (tuple(ops), int(matrix.sum()))
        valid = self.valid_by_cell[cell] if self.default is None else self.valid_by_cell.get(cell, self.default)
        noise = float(rng.uniform(0, 1e-6))  # the run's own generator is used
        final = Evaluation(float(epochs), 10.0 * epochs, valid + 0.1, valid + noise, valid - 0.01)
        halfway = Evaluation(epochs / 2, 5.0 * epochs, valid, valid - 0.1, valid - 0.11)
        return TrainingResult(
            matrix=tuple(map(tuple, matrix.tolist())), ops=tuple(ops), epochs=epochs, trainable_parameters=1234,
            halfway=halfway, final=final, total_time=11.0 * epochs,
        )


def stub_for_table(valids, default: float | None = None):
    """A stub giving validation accuracy valids[i] to TABLE_CELLS[i] (and `default` to others)."""
    return StubTrainer({(tuple(ops), int(np.sum(m))): v for (m, ops), v in zip(TABLE_CELLS, valids)}, default)


def fake_torchvision(monkeypatch, **dataset_classes):
    """Install a `torchvision.datasets` module holding only the given dataset classes."""
    import sys
    import types

    torchvision = types.ModuleType("torchvision")
    datasets = types.ModuleType("torchvision.datasets")
    for name, cls in dataset_classes.items():
        setattr(datasets, name, cls)
    torchvision.datasets = datasets
    monkeypatch.setitem(sys.modules, "torchvision", torchvision)
    monkeypatch.setitem(sys.modules, "torchvision.datasets", datasets)
