"""Experiments: grids of benchmarks x strategies x seeds, executed locally or on Dask."""
