"""Tabular benchmarks: one file per benchmark, one table layout for all."""

from __future__ import annotations

import importlib
from types import MappingProxyType

# Imported on first use: the registry and the benchmark modules' entries are read without
# numpy (`benchlab benchmarks`), which `base` imports.
_EXPORTS = MappingProxyType({"Benchmark": "base", "MeanMetrics": "base", "Observation": "base", "Optimum": "base",
                             "get_benchmark": "registry"})
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
