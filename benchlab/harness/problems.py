"""The objectives/constraints question of an experiment on one benchmark, built once per process."""

from __future__ import annotations

from functools import lru_cache

from benchlab.harness.benchmarks import open_benchmark
from benchlab.pareto.constraints import from_tuples
from benchlab.pareto.problem import Problem, build_problem


@lru_cache(maxsize=64)
def problem_for(benchmark: str, objectives: tuple, constraints: tuple) -> Problem:
    """`constraints` as (name, op, bound) tuples (hashable: tasks carry them so)."""
    return build_problem(open_benchmark(benchmark), tuple(objectives), from_tuples(constraints))
