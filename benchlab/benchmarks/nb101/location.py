"""Where the converted NB101 table lives and how to tell one: what the registry entry reads,
without numpy or h5py (`benchlab benchmarks` lists NB101 without opening it)."""

from __future__ import annotations

import os
from pathlib import Path

from benchlab import paths

DATA_NAME = "nasbench101.h5"
GET_COMMAND = "make data"
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def default_path() -> Path:
    return paths.data_dir() / DATA_NAME


def is_hdf5(path: str | os.PathLike) -> bool:
    with open(path, "rb") as fh:
        return fh.read(8) == _HDF5_SIGNATURE
