"""An experiment's question on one benchmark: which objectives, under which constraints.

Built once per (benchmark, objectives, constraints), it validates the names, knows the
table's exact (feasible) Pareto front, and turns a run's evaluations into anytime columns.

Normalisation and reference point (recorded in the manifest): every objective is turned
into a loss (lower is better) and scaled so that the best value any cell of the table has
is 0 and the worst is 1; the reference point is 1 + MARGIN in every normalised objective,
that is the worst value over the table plus 10% of the objective's range. Hypervolume
regret = hypervolume of the table's true front minus that of the run's archive, both in
this normalised space, so it lies in [0, 1.1^k].

The archive holds the exact (repeat-mean) objective vectors of the feasible cells a run has
evaluated so far, as the single-objective regret uses its incumbent's mean: noise in the
drawn repeats neither inflates nor hides what was found. Feasibility of a cell for the
measurement uses its means; the feedback a strategy gets uses the observed repeat.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from benchlab.benchmarks.base import observed
from benchlab.errors import ConfigError, UserError
from benchlab.pareto.archive import make_archive
from benchlab.pareto.constraints import Constraint
from benchlab.pareto.front import compute_front, senses_of
from benchlab.pareto.indicators import hypervolume

MARGIN = 0.1  # reference point: worst value over the table + 10% of the range, per objective


@dataclass
class Problem:
    benchmark: str
    objectives: tuple[str, ...]
    constraints: tuple[Constraint, ...]
    senses: np.ndarray
    lower: np.ndarray  # best loss of each objective over the table
    upper: np.ndarray  # worst loss
    feasible: np.ndarray  # (cells,) by repeat-means
    front_points: np.ndarray  # the (feasible) true front, natural units
    front_hv: float
    test_front_hv: float
    optimum_valid: float  # best feasible mean validation / test score (constrained regret)
    optimum_test: float
    nothing_valid: float  # regret of having found nothing feasible: optimum minus worst feasible
    nothing_test: float
    _normalised: np.ndarray = field(repr=False, default=None)
    _test_normalised: np.ndarray | None = field(repr=False, default=None)
    _row_of_key: object = field(repr=False, default=None)
    _fields: tuple = ()
    _constraint_fields: tuple = ()
    _signed: tuple | None = field(repr=False, default=None)

    @property
    def reference(self) -> np.ndarray:
        return np.full(len(self.objectives), 1.0 + MARGIN)

    @property
    def has_test_side(self) -> bool:
        return self._test_normalised is not None

    @property
    def regret_column(self) -> str:
        """The column a report ranks strategies by (test side where the benchmark has one)."""
        if self.objectives:
            return "test_hv_regret" if self.has_test_side else "hv_regret"
        return "test_regret" if not math.isnan(self.optimum_test) else "valid_regret"

    # -- what a strategy is told ------------------------------------------------------
    def feedback(self, obs) -> tuple[tuple, float]:
        """(losses of the experiment's objectives, constraint violation) of one observation."""
        losses = tuple(s * observed(obs, f) for s, f in self._signed_fields)
        violation = sum(c.violation(observed(obs, f)) for c, f in zip(self.constraints, self._constraint_fields))
        return losses, float(violation)

    @property
    def _signed_fields(self) -> tuple:
        """(sense, Observation field) per objective, as plain floats (read on every evaluation)."""
        if self._signed is None:
            self._signed = tuple(zip(self.senses.tolist(), self._fields))
        return self._signed

    # -- what the report measures ----------------------------------------------------
    def anytime(self, keys: list[str]) -> tuple[dict, dict]:
        """Per-row columns (hv_regret, test_hv_regret, archive_size, feasible) and run facts."""
        n = len(keys)
        rows = np.array([self._row_of_key(k) for k in keys], dtype=np.int64) if n else np.zeros(0, np.int64)
        feasible = self.feasible[rows] if n else np.zeros(0, dtype=bool)
        hv_regret = np.full(n, np.nan)
        test_regret = np.full(n, np.nan)
        size = np.zeros(n, dtype=np.int64)
        archive = None
        if self.objectives:
            archive = make_archive(self.reference)
            test_hv = 0.0
            for i, row in enumerate(rows.tolist()):
                if feasible[i] and archive.add(self._normalised[row], row) and self.has_test_side:
                    test_hv = hypervolume(self._test_normalised[archive.ids], self.reference)
                hv_regret[i] = self.front_hv - archive.hypervolume
                if self.has_test_side:
                    test_regret[i] = self.test_front_hv - test_hv
                size[i] = len(archive)
        columns = {"feasible": feasible, "hv_regret": hv_regret, "test_hv_regret": test_regret, "archive_size": size}
        first = np.flatnonzero(feasible)
        facts = {"found_feasible": bool(first.size), "first_feasible_step": int(first[0]) if first.size else None}
        if archive is not None:
            facts["archive"] = self._natural(archive.points).tolist()
        return columns, facts

    def _natural(self, normalised: np.ndarray) -> np.ndarray:
        return (normalised * (self.upper - self.lower) + self.lower) * self.senses

    def describe(self) -> dict:
        """What the manifest records: the rule, the reference point and the true front."""
        reference_loss = self.lower + (1 + MARGIN) * (self.upper - self.lower)
        out = {
            "objectives": list(self.objectives),
            "constraints": [c.text() for c in self.constraints],
            "regret_column": self.regret_column,
            "feasible_fraction": float(np.mean(self.feasible)),
            "feasible_optimum_valid": _plain(self.optimum_valid),
            "feasible_optimum_test": _plain(self.optimum_test),
        }
        if self.objectives:
            out.update({
                "directions": ["min" if s > 0 else "max" for s in self.senses.tolist()],
                "normalisation": "loss scaled to [0, 1] by the best and worst value over the table's cells",
                "reference_rule": f"worst value over the table plus {MARGIN:g} x range, per objective",
                "reference_point": (reference_loss * self.senses).tolist(),
                "best": (self.lower * self.senses).tolist(),
                "worst": (self.upper * self.senses).tolist(),
                "front": self.front_points.tolist(),
                "front_hypervolume": self.front_hv,
                "test_front_hypervolume": _plain(self.test_front_hv),
            })
        return out


def _plain(x: float):
    return None if x != x else float(x)


def build_problem(bench, objectives: tuple[str, ...], constraints: tuple[Constraint, ...]) -> Problem:
    """Validate the names against `bench` and compute what the measurement needs (ConfigError)."""
    objectives, constraints = tuple(objectives), tuple(constraints)
    where = f"{bench.name}"
    if objectives and not 2 <= len(objectives) <= 3:
        raise ConfigError(f"objectives: name two or three objectives (got {len(objectives)}), e.g. [\"valid\", \"params\"]")
    if len(set(objectives)) != len(objectives):
        raise ConfigError(f"objectives: {list(objectives)} names one objective twice")
    for name in objectives + tuple(c.name for c in constraints):
        try:
            objective = bench.objective(name)
        except UserError as exc:
            raise ConfigError(f"{exc}; use one of those names in objectives/constraints") from None
        if not objective.visible:
            raise ConfigError(f"{where}: objective {name!r} is report-only (strategies never see it); "
                              "optimise or constrain a visible one such as valid")
    try:
        bench.objective_means(("valid",))
        row_of_key = bench.row_of_key
    except (NotImplementedError, AttributeError):
        raise ConfigError(f"{where} cannot list every cell's objectives, so it cannot serve objectives or "
                          "constraints; use a tabular benchmark") from None
    senses = senses_of(bench, objectives) if objectives else np.zeros(0)
    feasible = np.ones(len(bench.objective_means(("valid",))), dtype=bool)
    for c in constraints:
        values = bench.objective_means((c.name,))[:, 0]
        with np.errstate(invalid="ignore"):
            feasible &= c.holds(values)
        if not feasible.any():
            best = np.nanmin(values) if c.op == "<=" else np.nanmax(values)
            raise ConfigError(f"{where}: no cell meets {' and '.join(x.text() for x in constraints)} "
                              f"(the {'smallest' if c.op == '<=' else 'largest'} {c.name} is {best:g}); loosen the constraint")
    valid = bench.objective_means(("valid",))[:, 0]
    test = bench.objective_means(("test",))[:, 0] if bench.has_test_metric else np.full(len(valid), np.nan)
    problem = Problem(
        benchmark=bench.name, objectives=objectives, constraints=constraints, senses=senses,
        lower=np.zeros(len(objectives)), upper=np.ones(len(objectives)), feasible=feasible,
        front_points=np.empty((0, len(objectives))), front_hv=math.nan, test_front_hv=math.nan,
        optimum_valid=float(np.nanmax(valid[feasible])), optimum_test=_nanmax(test[feasible]),
        nothing_valid=float(np.nanmax(valid[feasible]) - np.nanmin(valid[feasible])),
        nothing_test=_nanmax(test[feasible]) - _nanmin(test[feasible]),
        _row_of_key=row_of_key,
        _fields=tuple(bench.objective(n).field for n in objectives),
        _constraint_fields=tuple(bench.objective(c.name).field for c in constraints),
    )
    if objectives:
        _measure_front(problem, bench, feasible if constraints else None)
    return problem


def _measure_front(problem: Problem, bench, feasible) -> None:
    names = problem.objectives
    front = bench.pareto_front(names) if feasible is None else compute_front(bench, names, feasible)
    losses = bench.objective_means(names) * problem.senses
    lower, upper = front.best * problem.senses, front.worst * problem.senses
    span = np.where(upper > lower, upper - lower, 1.0)
    problem.lower, problem.upper = lower, lower + span
    problem._normalised = np.where(np.isnan(losses), np.inf, (losses - lower) / span)
    problem.front_points = front.points
    problem.front_hv = hypervolume((front.losses - lower) / span, problem.reference)
    if "valid" in names and bench.has_test_metric:
        test_names = tuple("test" if n == "valid" else n for n in names)
        test_losses = bench.objective_means(test_names) * problem.senses
        usable = ~np.isnan(test_losses).any(axis=1)
        t_lower, t_upper = np.nanmin(test_losses[usable], axis=0), np.nanmax(test_losses[usable], axis=0)
        t_span = np.where(t_upper > t_lower, t_upper - t_lower, 1.0)
        problem._test_normalised = np.where(np.isnan(test_losses), np.inf, (test_losses - t_lower) / t_span)
        # cells missing a value take no part in a front, as `usable` excludes them here
        test_front = bench.pareto_front(test_names) if feasible is None else \
            compute_front(bench, test_names, usable & feasible)
        problem.test_front_hv = hypervolume((test_front.losses - t_lower) / t_span, problem.reference)


def _nanmax(x) -> float:
    return float(np.nanmax(x)) if np.any(~np.isnan(x)) else math.nan


def _nanmin(x) -> float:
    return float(np.nanmin(x)) if np.any(~np.isnan(x)) else math.nan
