"""One storage layout for every tabular benchmark (in the spirit of Syne Tune's blackbox repository).

A `Table` holds, for n architectures, F fidelities and R repeats, dense float arrays
`valid`, `test`, `cost`, `train`, `precision` and `f1` of shape (n, F, R) with NaN where a
repeat does not exist, per-cell `params` and `latency` (n,), and the canonical `keys` (n,).
Each benchmark's conversion module turns
its source format into a Table once; the Table is cached as an uncompressed `.npz` (no
pickled objects) so that loading takes milliseconds. The file carries the checksum of its
contents, verified on every load, so a damaged or edited cache is found, never served.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchlab.errors import DataError

FORMAT_VERSION = 1
_ARRAYS = ("valid", "test", "cost", "train", "precision", "f1")
_CELL_ARRAYS = ("params", "latency")  # one value per architecture


@dataclass
class Table:
    keys: np.ndarray  # (n,) str
    valid: np.ndarray  # (n, F, R) float, higher is better
    fidelities: tuple
    test: np.ndarray | None = None
    cost: np.ndarray | None = None  # seconds; None: every query costs one unit
    train: np.ndarray | None = None
    params: np.ndarray | None = None  # (n,)
    latency: np.ndarray | None = None  # (n,) seconds
    precision: np.ndarray | None = None
    f1: np.ndarray | None = None
    meta: dict = field(default_factory=dict)  # source, version, units; JSON-serialisable

    def __post_init__(self) -> None:
        self.keys = np.asarray(self.keys).astype(str)
        n, n_fid, _ = self.valid.shape
        if len(self.keys) != n or n_fid != len(self.fidelities):
            raise ValueError("table arrays disagree on the number of architectures or fidelities")
        for name in _ARRAYS:
            arr = getattr(self, name)
            if arr is not None and arr.shape != self.valid.shape:
                raise ValueError(f"table array {name} has shape {arr.shape}, expected {self.valid.shape}")
        present = ~np.isnan(self.valid)
        # Repeats are stored first-come: a missing repeat is always after the present ones,
        # so a query draws uniformly from range(n_available).
        if np.any(present[..., 1:] & ~present[..., :-1]):
            raise ValueError("table repeats must be stored before missing (NaN) entries")

    @property
    def n_repeats(self) -> int:
        return self.valid.shape[2]

    def runs(self) -> np.ndarray:
        """(F, n, R, 4) float array of [valid, test, cost, train] per repeat: what one query
        reads, side by side, so a row's repeats at a fidelity are one contiguous gather.
        A missing test or train array reads NaN, a missing cost 1.0 (one unit per query)."""
        fill = {"test": np.nan, "cost": 1.0, "train": np.nan}
        columns = [self.valid] + [
            getattr(self, name) if getattr(self, name) is not None else np.full_like(self.valid, fill[name])
            for name in ("test", "cost", "train")
        ]
        return np.ascontiguousarray(np.stack(columns, axis=-1).transpose(1, 0, 2, 3), dtype=np.float64)

    def checksum(self) -> str:
        digest = hashlib.sha256()
        digest.update("\n".join(self.keys.tolist()).encode())
        for name in _ARRAYS + _CELL_ARRAYS:
            arr = getattr(self, name)
            if arr is not None:
                digest.update(np.ascontiguousarray(arr, dtype=np.float64).tobytes())
        return digest.hexdigest()

    # -- storage -------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write atomically: a temporary file in the same folder, renamed when complete."""
        from benchlab.io.atomic import AtomicTarget  # here: it imports tempfile, which loading needs not

        path = Path(path)
        arrays = {"keys": self.keys, "fidelities": np.asarray(self.fidelities, dtype=np.int64)}
        for name in _ARRAYS + _CELL_ARRAYS:
            arr = getattr(self, name)
            if arr is not None:
                arrays[name] = arr
        meta = dict(self.meta, format_version=FORMAT_VERSION, content_sha256=self.checksum())
        arrays["meta"] = np.asarray(json.dumps(meta, sort_keys=True))
        with AtomicTarget(path) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Table":
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                if meta.get("format_version") != FORMAT_VERSION:
                    raise DataError(
                        f"{path}: table format {meta.get('format_version')} is not {FORMAT_VERSION}; "
                        "delete the file and it is rebuilt"
                    )
                kwargs = {name: data[name] for name in _ARRAYS + _CELL_ARRAYS if name in data.files}
                table = cls(
                    keys=data["keys"],
                    fidelities=tuple(int(f) for f in data["fidelities"]),
                    meta=meta,
                    **kwargs,
                )
        except FileNotFoundError:
            raise DataError(f"{path}: no such table file") from None
        except DataError:
            raise
        # a damaged .npz fails in the zip layer, the array decoder or the JSON metadata
        except (OSError, ValueError, KeyError, TypeError, EOFError, RecursionError, zipfile.BadZipFile) as exc:
            reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
            raise DataError(f"{path}: not a benchlab table ({reason}); delete it and it is rebuilt") from None
        stored = meta.get("content_sha256")
        if stored is not None and stored != table.checksum():
            raise DataError(f"{path}: its contents do not match their checksum (damaged or edited); delete it and "
                            "it is rebuilt")
        return table
