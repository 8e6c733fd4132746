"""The strategies of an experiment: `[strategies.<label>]` tables and command-line choices
become `StrategySpec`s, and each is checked (it imports, its hyperparameters are keywords
its constructor takes with values its declared constraints allow, it builds on every
benchmark's space) before anything runs."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path

from algorithms import STRATEGIES, load_strategy
from algorithms.hyperparameters import HyperparameterError, check_hyperparameters
from benchlab.errors import ConfigError, UserError
from benchlab.harness.config_file import LABEL, check_keys
from benchlab.harness.strategy_build import check_builds

_KEYS = {"name", "class", "hyperparameters"}


@dataclass(frozen=True)
class StrategySpec:
    """One strategy of the grid: its class as `module:Class` and its hyperparameters."""

    label: str
    target: str  # "module:Class"
    params: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"class": self.target, "params": dict(self.params)}

    def effective_params(self) -> dict:
        """Every hyperparameter the run uses: the constructor's defaults updated by `params`."""
        signature = inspect.signature(load_strategy(self.target))
        defaults = {
            name: p.default
            for name, p in signature.parameters.items()
            if p.default is not inspect.Parameter.empty and p.kind is not p.VAR_KEYWORD
        }
        return {**defaults, **self.params}

    def hashed_defaults(self) -> dict:
        """The constructor's defaults that `params` does not set, as a run's settings hash
        sees them: numbers, strings, booleans and None (and lists and dicts of them) as they
        are; any other object by its type, whose text form may hold a memory address."""
        return {name: _stable(value) for name, value in self.effective_params().items() if name not in self.params}


def _stable(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_stable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _stable(v) for k, v in value.items()}
    return f"<{type(value).__module__}.{type(value).__qualname__}>"


def strategy_specs(table, source: Path, names: list[str] | None = None,
                   user_targets: list[str] | None = None) -> dict[str, StrategySpec]:
    """label -> spec: the file's `[strategies]` tables; `names` replace that list (a label of
    the file keeps its hyperparameters, another name is looked up in the registry);
    `user_targets` add `module:Class` strategies under their class name."""
    specs = _file_specs(table, source)
    if names is not None:
        specs = {label: specs.get(label) or _spec_from_name(label, source) for label in names}
    for target in user_targets or []:
        label = target.rpartition(":")[2] or target
        if label in specs:
            raise ConfigError(f"strategy label {label!r} is used twice; give the config entry another label")
        specs[label] = StrategySpec(label, _user_target(target), {})
    if not specs:
        raise ConfigError(f"{source}: no strategies; add a [strategies.<label>] table or pass --strategies")
    return specs


def check_strategy(spec: StrategySpec, benchmarks, source: Path) -> None:
    """The class imports, takes the hyperparameters and builds on the space of every benchmark."""
    cls = _load_strategy(spec)
    _check_hyperparameters(cls, spec, source)
    check_builds(cls, spec, benchmarks, source)


def _file_specs(table, source: Path) -> dict[str, StrategySpec]:
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: strategies must be tables, e.g. [strategies.rs] name = \"rs\"")
    specs = {}
    for label, entry in table.items():
        where = f"{source} [strategies.{label}]"
        if not LABEL.match(label):
            raise ConfigError(f"{where}: a label must be a plain word (letters, digits, . _ -)")
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: must be a table with `name` or `class`")
        check_keys(entry, _KEYS, where)
        if ("name" in entry) == ("class" in entry):
            raise ConfigError(f"{where}: give exactly one of `name` (a registry name) or `class` (module:Class)")
        if "name" in entry:
            if entry["name"] in STRATEGIES:
                target = STRATEGIES[entry["name"]]
            elif _is_adapter(entry["name"]):
                target = entry["name"]
            else:
                raise ConfigError(f"{where}: unknown strategy {entry['name']!r}; use one of {', '.join(STRATEGIES)}, "
                                  f"optuna:<SamplerClass> or nevergrad:<Optimizer>")
        else:
            target = _user_target(entry["class"], where)
        params = entry.get("hyperparameters", {})
        if not isinstance(params, dict):
            raise ConfigError(f"{where}: hyperparameters must be a table of keyword arguments")
        specs[label] = StrategySpec(label, target, dict(params))
    return specs


def _is_adapter(name) -> bool:
    from algorithms.adapters import PREFIXES

    return isinstance(name, str) and name.partition(":")[0] in PREFIXES and bool(name.partition(":")[2])


def _spec_from_name(name: str, source: Path) -> StrategySpec:
    if name in STRATEGIES:
        return StrategySpec(name, STRATEGIES[name], {})
    raise ConfigError(
        f"unknown strategy {name!r}; use a registry name ({', '.join(STRATEGIES)}), a label from {source}, "
        "or --strategy module:Class (also --strategy optuna:<SamplerClass> or nevergrad:<Optimizer>)"
    )


def _user_target(target, where: str = "--strategy") -> str:
    if not isinstance(target, str) or not re.match(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$", target):
        raise ConfigError(f"{where}: a strategy class is written module:Class (e.g. my_pkg.search:MySearch), got {target!r}")
    return target


def _load_strategy(spec: StrategySpec) -> type:
    try:
        return load_strategy(spec.target)
    except UserError as exc:
        raise ConfigError(f"strategy {spec.label!r}: {exc}") from None


def _check_hyperparameters(cls: type, spec: StrategySpec, source: Path) -> None:
    """Names the constructor accepts, values the class's declared constraints allow."""
    try:
        inspect.signature(cls).bind(None, None, **spec.params)
    except TypeError as exc:
        raise ConfigError(f"strategy {spec.label!r} ({spec.target}): bad hyperparameters ({exc}); see its docstring") from None
    try:
        check_hyperparameters(cls, spec.params)
    except HyperparameterError as exc:
        raise ConfigError(f"{source} [strategies.{spec.label}]: {exc}; change hyperparameters.{exc.key}") from None
