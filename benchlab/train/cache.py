"""Live training results kept on disk, one JSON file per (cell, epoch budget, repeat).

Training a cell takes minutes on a GPU and hours on a CPU, so every finished run is kept
(written atomically) and reused by `benchlab verify` and the table-or-train benchmark alike.
Each run's seed derives from (cell key, epochs, repeat, base seed) alone, so a result does
not depend on which command trained it or in which order.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchlab import paths
from benchlab.errors import DataError
from benchlab.harness.storage import write_json_atomic
from benchlab.train.results import TrainingResult

#: trainer(matrix, ops, epochs, rng) -> TrainingResult
CellTrainer = Callable[[np.ndarray, tuple, int, np.random.Generator], TrainingResult]
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def default_cache_dir() -> Path:
    return paths.data_dir() / "live"


def run_rng(key: str, epochs: int, repeat: int, base_seed: int = 0) -> np.random.Generator:
    """The generator a run of (key, epochs, repeat) trains with."""
    key_number = int(key, 16) if re.fullmatch(r"[0-9a-f]{1,64}", key) else zlib.crc32(key.encode())
    return np.random.default_rng(np.random.SeedSequence([base_seed, key_number, int(epochs), int(repeat)]))


class ResultCache:
    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root is not None else default_cache_dir()

    def path(self, key: str, epochs: int, repeat: int, base_seed: int = 0) -> Path:
        return self.root / _SAFE.sub("_", key) / f"e{int(epochs):03d}-r{int(repeat)}-s{int(base_seed)}.json"

    def get(self, key: str, epochs: int, repeat: int, base_seed: int = 0) -> TrainingResult | None:
        path = self.path(key, epochs, repeat, base_seed)
        try:
            text = path.read_text()
        except FileNotFoundError:
            return None
        try:
            return TrainingResult.from_dict(json.loads(text)["result"])
        except (ValueError, KeyError, TypeError):
            raise DataError(f"{path}: unreadable cached training result; delete the file to train the run again") from None

    def put(self, key: str, epochs: int, repeat: int, result: TrainingResult, base_seed: int = 0) -> Path:
        path = self.path(key, epochs, repeat, base_seed)
        payload = {"key": key, "epochs": int(epochs), "repeat": int(repeat), "base_seed": int(base_seed), "result": result.to_dict()}
        write_json_atomic(path, payload)
        return path

    def cell_of(self, key: str) -> tuple[np.ndarray, tuple[str, ...]] | None:
        """The (pruned) cell of any cached run of `key`, or None."""
        folder = self.root / _SAFE.sub("_", key)
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
            try:
                result = json.loads(path.read_text())["result"]
                return np.array(result["matrix"], dtype=np.uint8), tuple(result["ops"])
            except (ValueError, KeyError, TypeError):
                continue
        return None

    def run(
        self, trainer: CellTrainer, key: str, matrix, ops, epochs: int, repeat: int, base_seed: int = 0
    ) -> TrainingResult:
        """The cached result of this run, or train it now and keep it."""
        result = self.get(key, epochs, repeat, base_seed)
        if result is None:
            result = trainer(matrix, ops, int(epochs), run_rng(key, epochs, repeat, base_seed))
            self.put(key, epochs, repeat, result, base_seed)
        return result
