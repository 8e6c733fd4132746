"""A small synthetic tabular benchmark: what `check_strategy` runs a strategy on, and the
benchmark the project's own tests of strategies, the simulator and the harness use.

625 architectures (4 categorical dimensions x 5 choices), 3 repeats, fidelities 10 and 100,
with a smooth landscape so that model-based and local strategies have something to learn.
"""

from __future__ import annotations

import numpy as np

from benchlab.benchmarks.table import Table
from benchlab.benchmarks.tabular import TabularBenchmark
from benchlab.spaces.categorical import CategoricalSpace, Dimension


def make_toy_space(n_dims: int = 4, n_choices: int = 5) -> CategoricalSpace:
    dims = [Dimension(f"x{i}", tuple(range(n_choices))) for i in range(n_dims)]
    return CategoricalSpace(dims, name="toy")


def make_toy_benchmark(seed: int = 0, n_dims: int = 4, n_choices: int = 5, with_test: bool = True) -> TabularBenchmark:
    space = make_toy_space(n_dims, n_choices)
    rng = np.random.default_rng(seed)
    grid = np.array(np.meshgrid(*[np.arange(n_choices)] * n_dims, indexing="ij")).reshape(n_dims, -1).T
    target = rng.integers(n_choices, size=n_dims)
    distance = np.abs(grid - target).sum(axis=1) / (n_dims * (n_choices - 1))
    base = 0.95 - 0.4 * distance  # (n,)
    n = len(grid)
    valid = np.empty((n, 2, 3))
    valid[:, 1, :] = base[:, None] + rng.normal(0, 0.01, (n, 3))
    valid[:, 0, :] = valid[:, 1, :] - 0.1 + rng.normal(0, 0.01, (n, 3))
    test = valid + rng.normal(-0.005, 0.005, valid.shape)
    cost = np.empty_like(valid)
    cost[:, 1, :] = rng.lognormal(np.log(1000), 0.3, (n, 1))
    cost[:, 0, :] = cost[:, 1, :] / 10
    keys = [",".join(str(int(v)) for v in row) for row in grid]
    table = Table(
        keys=np.array(keys),
        valid=np.clip(valid, 0, 1),
        test=np.clip(test, 0, 1) if with_test else None,
        cost=cost,
        fidelities=(10, 100),
        meta={"source": "synthetic toy"},
    )
    return TabularBenchmark("toy", space, table)
