"""Proxy scores of one benchmark's networks, cached in one JSON file.

The file (`data_dir()/proxies/<target>.json`, target e.g. "nb201-c10-r32" for NB201
networks with 10 classes at 32 px, i.e. nb201/cifar10) holds, per setting (proxy, seed,
and for data-dependent proxies the data source and batch size), each cell's score and
the CPU seconds it took. It is rewritten atomically every few cells, so an interrupted
scoring resumes where it stopped. A file written by another code version is ignored
(and replaced on the next save).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from benchlab.io.atomic import write_json_atomic

#: bump when a proxy's computation changes, so that cached scores are recomputed
PROXY_CODE_VERSION = 1


def code_version() -> str:
    import torch

    return f"{PROXY_CODE_VERSION}/torch-{torch.__version__}"


class ProxyCache:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.version = code_version()
        self._columns = self._stored_columns()

    def _stored_columns(self) -> dict[str, dict[str, list]]:
        try:
            stored = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        if isinstance(stored, dict) and stored.get("version") == self.version:
            return stored.get("columns", {})
        return {}

    def get(self, setting: str, key: str) -> tuple[float, float] | None:
        entry = self._columns.get(setting, {}).get(key)
        if entry is None:
            return None
        return float(entry[0]), float(entry[1])

    def put(self, setting: str, key: str, score: float, seconds: float) -> None:
        value = score if math.isfinite(score) else str(score)  # JSON has no NaN/inf: "nan", "-inf"
        self._columns.setdefault(setting, {})[key] = [value, seconds]

    def save(self) -> None:
        """Write the file, merged with what it holds now: several scorers (other proxies, other
        processes) may share it, and none may drop another's scores."""
        merged = self._stored_columns()
        for setting, scores in self._columns.items():
            merged.setdefault(setting, {}).update(scores)
        self._columns = merged
        write_json_atomic(self.path, {"version": self.version, "columns": merged})
