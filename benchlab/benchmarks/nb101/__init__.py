"""NAS-Bench-101 served from the converted HDF5 table (see benchlab/io/nb101_convert.py)."""

from __future__ import annotations

import importlib
from types import MappingProxyType

# Imported on first use: the registry entry (names.py) is read without numpy or h5py,
# which the benchmark and its store import.
_EXPORTS = MappingProxyType({
    "BatchObservations": "benchmark", "NB101Benchmark": "benchmark",
    "cache_dir": "names", "cached_conversion": "names", "open_prefixed": "names", "registry_entries": "names",
    "table_for": "names",
    "DATA_NAME": "location", "GET_COMMAND": "location", "default_path": "location", "is_hdf5": "location",
})
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
