"""Runs with objectives and constraints: feedback, feasible incumbents, the growing archive."""

from __future__ import annotations

import numpy as np
import pytest

from algorithms.base import Strategy
from benchlab.pareto.constraints import Constraint
from benchlab.pareto.front import nondominated
from benchlab.pareto.indicators import hypervolume
from benchlab.pareto.problem import build_problem
from benchlab.run.simulator import Budget, simulate
from tests.run.test_simulator import Recorder
from tests.toy import make_toy_multiobjective


@pytest.fixture(scope="module")
def bench():
    return make_toy_multiobjective()


def run(bench, problem, strategy=None, queries=80, seed=0):
    strategy = strategy or Recorder(bench.space, np.random.default_rng(seed))
    return strategy, simulate(bench, strategy, Budget(queries=queries), np.random.default_rng(seed + 100), problem=problem)


def test_feedback_carries_the_objectives_as_losses_and_the_violation(bench):
    limit = float(np.quantile(bench.table.params, 0.3))
    problem = build_problem(bench, ("valid", "params"), (Constraint("params", "<=", limit),))
    strategy, result = run(bench, problem)
    for (arch, fb), params in zip(strategy.told, result.columns["params_observed"]):
        assert fb.objectives == (-fb.valid, params)
        assert (fb.violation == 0) == (params <= limit)
        if fb.violation:
            assert fb.violation == pytest.approx((params - limit) / limit)


def test_constrained_incumbent_is_feasible_and_regret_is_against_the_best_feasible_cell(bench):
    limit = float(np.quantile(bench.table.params, 0.1))
    problem = build_problem(bench, (), (Constraint("params", "<=", limit),))
    feasible = bench.table.params <= limit
    best_feasible = bench.valid_mean[feasible, -1].max()
    assert problem.optimum_valid == pytest.approx(best_feasible) and best_feasible < bench.optimum.valid
    _, result = run(bench, problem, queries=60)
    c = result.columns
    found = np.array([k is not None for k in c["incumbent_key"]])
    for key in [k for k in c["incumbent_key"] if k is not None]:
        assert feasible[bench.row_of_key(key)]
    np.testing.assert_allclose(c["valid_regret"][found], best_feasible - c["incumbent_valid_mean"][found])
    # before the first feasible result a run has found nothing: the regret of the worst feasible cell
    nothing = best_feasible - bench.valid_mean[feasible, -1].min()
    np.testing.assert_allclose(c["valid_regret"][~found], nothing)
    assert result.extra["found_feasible"] == bool(found.any())


def test_hypervolume_regret_never_looks_ahead(bench):
    problem = build_problem(bench, ("valid", "params", "latency"), ())
    _, result = run(bench, problem, queries=50)
    c = result.columns
    values = bench.objective_means(problem.objectives) * problem.senses
    normalised = (values - problem.lower) / (problem.upper - problem.lower)
    rows = [bench.row_of_key(k) for k in c["arch_key"]]
    for i in range(len(rows)):
        seen = normalised[rows[: i + 1]]
        expected = problem.front_hv - hypervolume(seen[nondominated(seen)], problem.reference)
        assert c["hv_regret"][i] == pytest.approx(expected, abs=1e-12)
    assert len(result.extra["archive"]) == c["archive_size"][-1]


def test_the_true_front_has_zero_regret(bench):
    problem = build_problem(bench, ("valid", "params"), ())
    front = bench.pareto_front(("valid", "params"))

    class Front(Strategy):
        def __init__(self, space, rng):
            super().__init__(space, rng)
            self.todo = [space.parse(k) for k in bench.table.keys[front.rows]]

        def _ask(self):
            return self.todo.pop() if self.todo else None

        def _tell(self, arch, feedback):
            pass

    _, result = run(bench, problem, strategy=Front(bench.space, np.random.default_rng(0)))
    assert result.columns["hv_regret"][-1] == pytest.approx(0.0, abs=1e-12)
