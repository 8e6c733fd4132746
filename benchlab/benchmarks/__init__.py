"""Tabular benchmarks: one file per benchmark, one table layout for all."""

from benchlab.benchmarks.base import Benchmark, MeanMetrics, Observation, Optimum
from benchlab.benchmarks.registry import get_benchmark

__all__ = ["Benchmark", "MeanMetrics", "Observation", "Optimum", "get_benchmark"]
