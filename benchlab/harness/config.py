"""Experiment configuration: a small TOML file plus command-line overrides, validated up front.

The file format is documented in docs/harness.md. Everything that can be wrong with an
experiment (unknown keys, names, hyperparameters, budgets, unreadable files, benchmarks
without data) is found by `load_config` before anything is written, and reported as one
`ConfigError` line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from benchlab.errors import ConfigError, UserError
from benchlab.harness import limits, protocols
from benchlab.harness.benchmarks import default_benchmarks, open_benchmark, open_checked, shipped_benchmarks, try_open
from benchlab.harness.config_file import LABEL, check_keys, name_list, read_toml, whole_number
from benchlab.harness.strategy_specs import StrategySpec, check_strategy, strategy_specs
from benchlab.run import observation as observations
from benchlab.pareto.constraints import parse_constraints
from benchlab.run.simulator import REQUERY_POLICIES, Budget

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "experiments" / "default.toml"

_TOP_KEYS = {"name", "seed", "seeds", "benchmarks", "optional_benchmarks", "strategies", "budget", "workers",
             "requery", "charge_strategy_time", "observation", "protocol", "run_timeout", "objectives",
             "constraints"}
_BUDGET_KEYS = {"queries", "time"}
_read_toml = read_toml  # the name other modules import it by
#: selectors usable in `benchmarks`: expanded from the benchmark registry
SELECTORS = {"@default": "the registry's default-comparison benchmarks", "@all": "every shipped benchmark"}


@dataclass(frozen=True)
class ExperimentConfig:
    """A validated experiment: every benchmark opens and every strategy imports."""

    name: str
    seed: int
    benchmarks: tuple[str, ...]
    strategies: dict[str, StrategySpec]
    seeds: int
    budget: Budget
    workers: int = 1
    requery: str = "charge"
    charge_strategy_time: bool = False
    source: str = ""  # the file it was read from
    notes: tuple[str, ...] = ()  # things worth telling the user (optional benchmarks skipped)
    observation: str = observations.DEFAULT  # what a query returns (benchlab/run/observation.py)
    protocol: str | None = None  # a named protocol of benchlab/harness/protocols.py
    run_timeout: float | None = None  # wall-clock seconds per run before it is recorded as failed
    #: label -> (benchmark name, objectives); a label is the benchmark's name unless the
    #: experiment names several objective sets ("nb201/cifar10 valid-vs-params")
    problems: dict = field(default_factory=dict)
    constraints: tuple = ()  # (name, op, bound) for every benchmark

    def source_of(self, label: str) -> str:
        return self.problems.get(label, (label, ()))[0]

    def objectives_of(self, label: str) -> tuple:
        return tuple(self.problems.get(label, (label, ()))[1])

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "seed": self.seed,
            "seeds": self.seeds,
            "benchmarks": list(self.benchmarks),
            "strategies": {label: spec.as_dict() for label, spec in self.strategies.items()},
            "budget": self.budget.as_dict(),
            "workers": self.workers,
            "requery": self.requery,
            "charge_strategy_time": self.charge_strategy_time,
            "observation": self.observation,
            "protocol": protocols.get(self.protocol).as_dict() if self.protocol else None,
            "source": self.source,
            "run_timeout": self.run_timeout,
            **({"objectives": {label: list(objs) for label, (_, objs) in self.problems.items()}}
               if any(objs for _, objs in self.problems.values()) else {}),
            **({"constraints": [f"{n} {op} {b:g}" for n, op, b in self.constraints]} if self.constraints else {}),
        }

    @property
    def signal_fidelity(self):
        """Fidelity plain proposals are evaluated at (None: each benchmark's full budget)."""
        return protocols.get(self.protocol).signal_fidelity if self.protocol else None

    @property
    def n_runs(self) -> int:
        return len(self.benchmarks) * len(self.strategies) * self.seeds


def load_config(
    path: str | Path | None = None,
    *,
    name: str | None = None,
    benchmarks: list[str] | None = None,
    strategies: list[str] | None = None,
    user_strategies: list[str] | None = None,
    seeds: int | None = None,
    seed: int | None = None,
    budget_queries: int | None = None,
    budget_time: float | None = None,
    workers: int | None = None,
    requery: str | None = None,
    charge_strategy_time: bool | None = None,
    full: bool = False,
    run_timeout: float | None = None,
) -> ExperimentConfig:
    """Read `path` (default: the shipped default experiment), apply overrides, validate all.

    `benchmarks`/`strategies` replace the file's lists (a strategy label already in the file
    keeps its hyperparameters, another name is looked up in the registry); `user_strategies`
    adds `module:Class` strategies under their class name; `full` runs every shipped benchmark.
    """
    source = Path(path) if path is not None else DEFAULT_CONFIG
    raw = read_toml(source)
    check_keys(raw, _TOP_KEYS, f"{source}")

    exp_name = name or raw.get("name") or source.stem
    if not isinstance(exp_name, str) or not LABEL.match(exp_name):
        raise ConfigError(f"{source}: name must be a plain word (letters, digits, . _ -), got {exp_name!r}")
    exp_seed = whole_number(seed if seed is not None else raw.get("seed", 0), "seed", source, minimum=0)
    n_seeds = whole_number(seeds if seeds is not None else raw.get("seeds", 1), "seeds", source, minimum=1)
    n_workers = whole_number(workers if workers is not None else raw.get("workers", 1), "workers", source, minimum=1)
    limits.check_at_most(n_seeds, limits.MAX_SEEDS, "seeds", str(source))
    limits.check_at_most(n_workers, limits.MAX_WORKERS, "workers", str(source))
    timeout = limits.run_timeout(run_timeout if run_timeout is not None else raw.get("run_timeout"), str(source))
    policy = requery if requery is not None else raw.get("requery", "charge")
    if policy not in REQUERY_POLICIES:
        raise ConfigError(f"{source}: requery must be one of {', '.join(REQUERY_POLICIES)}, got {policy!r}")
    charge = charge_strategy_time if charge_strategy_time is not None else raw.get("charge_strategy_time", False)
    if not isinstance(charge, bool):
        raise ConfigError(f"{source}: charge_strategy_time must be true or false, got {charge!r}")

    budget_raw = raw.get("budget", {})
    if not isinstance(budget_raw, dict):
        raise ConfigError(f"{source}: [budget] must be a table with `queries` and/or `time`")
    check_keys(budget_raw, _BUDGET_KEYS, f"{source} [budget]")
    queries = budget_queries if budget_queries is not None else budget_raw.get("queries")
    sim_time = budget_time if budget_time is not None else budget_raw.get("time")
    protocol = None
    if "protocol" in raw:
        protocol = _protocol(raw, source, queries, sim_time)
        queries, sim_time = protocol.budget_queries, protocol.budget_time
    try:
        mode = observations.parse(protocol.observation if protocol else raw.get("observation", observations.DEFAULT))
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    try:
        budget = Budget(queries=queries, time=sim_time)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    if budget.queries is not None:
        limits.check_at_most(budget.queries, limits.MAX_BUDGET_QUERIES, "budget queries", str(source))

    specs = strategy_specs(raw.get("strategies", {}), source, strategies, user_strategies)

    notes: list[str] = []
    if full:
        bench_list, optional = ["@all"], []
    elif benchmarks is not None:
        bench_list, optional = list(benchmarks), []
    else:
        bench_list = name_list(raw.get("benchmarks", []), "benchmarks", source)
        optional = name_list(raw.get("optional_benchmarks", []), "optional_benchmarks", source)
    resolved = _resolve_benchmarks(bench_list, optional, source, notes)
    if not resolved:
        raise ConfigError(f"{source}: no benchmarks; list some under `benchmarks` or pass --benchmarks")
    limits.check_grid(len(resolved), len(specs), n_seeds, str(source))
    for bench_name in resolved:  # can every benchmark serve the evaluation protocol?
        if protocol is not None:
            protocol.check(bench_name, open_benchmark(bench_name))
        observations.check(open_benchmark(bench_name), mode, bench_name)

    # Validate every strategy against every benchmark's space before anything runs.
    for spec in specs.values():
        check_strategy(spec, resolved, source)
    if policy == "cache" and budget.queries is None:
        raise ConfigError(f"{source}: requery = 'cache' makes repeats free, so a time budget alone may never end; add budget queries")
    objective_sets = _objective_sets(raw.get("objectives"), source)
    constraints = parse_constraints(raw["constraints"], str(source)) if "constraints" in raw else ()
    problems = _problems(resolved, objective_sets, constraints, source)

    return ExperimentConfig(
        name=exp_name,
        seed=exp_seed,
        benchmarks=tuple(problems),
        strategies=specs,
        seeds=n_seeds,
        budget=budget,
        workers=n_workers,
        requery=policy,
        charge_strategy_time=charge,
        source=str(source),
        notes=tuple(notes),
        observation=mode,
        protocol=protocol.name if protocol else None,
        run_timeout=timeout,
        problems=problems,
        constraints=tuple(c.as_tuple() for c in constraints),
    )


# -- pieces ------------------------------------------------------------------------------
def _protocol(raw: dict, source: Path, queries, sim_time) -> protocols.Protocol:
    """The named protocol; settings it fixes must not be given as well (they would disagree)."""
    try:
        protocol = protocols.get(raw["protocol"])
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    fixed = []
    if "observation" in raw:
        fixed.append("observation")
    if queries is not None or sim_time is not None:
        fixed.append("budget")
    if fixed:
        raise ConfigError(f"{source}: protocol {protocol.name!r} fixes the {' and the '.join(fixed)}; remove "
                          f"{'them' if len(fixed) > 1 else 'it'} from the file and the command line, or drop the protocol")
    return protocol


def _resolve_benchmarks(names: list[str], optional: list[str], source: Path, notes: list[str]) -> list[str]:
    resolved: list[str] = []
    expanded_all: list[tuple[str, bool]] = []
    for name in names:
        if name in SELECTORS:
            expanded = default_benchmarks() if name == "@default" else shipped_benchmarks()
            expanded_all.extend(expanded)
            for entry_name, present in expanded:
                if present:
                    resolved.append(entry_name)
                else:
                    notes.append(f"skipping {entry_name}: its data is not present")
            continue
        if name.startswith("@"):
            raise ConfigError(f"{source}: unknown benchmark selector {name!r}; use one of {', '.join(SELECTORS)}")
        try:
            open_checked(name)
        except UserError as exc:
            raise ConfigError(str(exc)) from None
        resolved.append(name)
    considered = set(resolved) | {entry for entry, present in expanded_all if not present}
    for name in optional:
        if name in considered:
            continue
        problem = try_open(name)
        if problem is None:
            resolved.append(name)
        else:
            notes.append(f"skipping optional benchmark {name}: {problem}")
    out: list[str] = []
    for name in resolved:  # keep the first of duplicates
        if name not in out:
            out.append(name)
    return out


def _objective_sets(value, source: Path) -> tuple[tuple[str, ...], ...]:
    """`objectives = ["valid", "params"]`, or a list of such lists (one problem each); () for none."""
    if value is None:
        return ((),)
    example = 'objectives = ["valid", "params"] or [["valid", "params"], ["valid", "latency"]]'
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return (tuple(value),)
    if isinstance(value, list) and value and all(isinstance(v, list) and all(isinstance(n, str) for n in v) for v in value):
        return tuple(tuple(v) for v in value)
    raise ConfigError(f"{source}: objectives must be a list of two or three names, e.g. {example}")


def _problems(benchmarks: list[str], objective_sets, constraints, source: Path) -> dict:
    """label -> (benchmark, objectives), each checked against its benchmark's table."""
    from benchlab.harness.problems import problem_for

    out = {}
    for name in benchmarks:
        for objectives in objective_sets:
            if objectives or constraints:
                try:
                    problem_for(name, objectives, tuple(c.as_tuple() for c in constraints))
                except ConfigError as exc:
                    raise ConfigError(f"{source}: {exc}") from None
            label = name if len(objective_sets) == 1 else f"{name} {'-vs-'.join(objectives)}"
            out[label] = (name, objectives)
    return out
