"""NAS-Bench-101 served from the converted HDF5 table (see benchlab/io/nb101_convert.py)."""

from benchlab.benchmarks.nb101.benchmark import BatchObservations, NB101Benchmark
from benchlab.benchmarks.nb101.names import cache_dir, cached_conversion, open_prefixed, registry_entries, table_for
from benchlab.benchmarks.nb101.store import DATA_NAME, GET_COMMAND, default_path, is_hdf5

__all__ = [
    "DATA_NAME", "GET_COMMAND", "BatchObservations", "NB101Benchmark", "cache_dir", "cached_conversion",
    "default_path", "is_hdf5", "open_prefixed", "registry_entries", "table_for",
]
