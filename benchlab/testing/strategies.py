"""`check_strategy(cls)`: does a strategy class keep the ask/tell contract (algorithms/base.py)?"""

from __future__ import annotations

import inspect

import numpy as np

from algorithms.base import Feedback
from algorithms.hyperparameters import declared_constraints, describe, satisfies
from benchlab.testing._checks import Checker, global_random_state_kept
from benchlab.testing.loop import run_loop
from benchlab.testing.toy import make_toy_benchmark

PAGE = "docs/adding-a-strategy.md"


def check_strategy(strategy_class, *, benchmark=None, budget: int = 40) -> None:
    """Check `strategy_class` against the strategy contract; raise `ConformanceError` naming
    the first rule it breaks.

    The class is built with its default hyperparameters and run on `benchmark` (default: the
    kit's 625-architecture toy benchmark) for `budget` evaluations at a time, with one and
    with several workers. Checked: the constructor takes `(space, rng)` and keyword
    hyperparameters with defaults, kept as attributes of the same name; declared constraints
    (`hyperparameter_constraints`) cover every hyperparameter and admit its default; proposals
    are architectures of the space at the benchmark's fidelities; several asks may precede
    their tells, which may arrive in any order or without an ask (a warm start); the same
    seed gives the same run and another seed another run; randomness comes only from the rng
    given; with `dedupe=True` no architecture is proposed twice.
    """
    if not isinstance(strategy_class, type):
        raise Checker(f"check_strategy({strategy_class!r})", PAGE).error(
            "check_strategy takes the strategy class, not an instance or a name")
    check = Checker(f"strategy {strategy_class.__name__}", PAGE)
    check.require(callable(getattr(strategy_class, "ask", None)) and callable(getattr(strategy_class, "tell", None)),
                  "a strategy needs ask() and tell() methods; subclass algorithms.base.Strategy and implement "
                  "_ask() and _tell()")
    bench = benchmark if benchmark is not None else make_toy_benchmark()
    hyperparameters = _hyperparameters(check, strategy_class)
    _check_constraints(check, strategy_class, hyperparameters)

    strategy = _build(check, strategy_class, bench, 0)
    for name, default in hyperparameters.items():
        check.require(hasattr(strategy, name) and _same(getattr(strategy, name), default),
                      f"hyperparameter {name!r} is not kept as an attribute of the same name (expected "
                      f"{default!r}, found {getattr(strategy, name, '<missing>')!r}); store every keyword "
                      "argument of __init__ as self.<name> so experiment files and manifests can name it")

    with global_random_state_kept(check, "a run"):
        first = _run(check, strategy_class, bench, budget, seed=3, workers=3)
    check.require(first.keys, "ask() returned None at once; propose architectures until the budget ends")
    again = _run(check, strategy_class, bench, budget, seed=3, workers=3)
    check.require(first.keys == again.keys, "two runs with the same seed proposed different architectures; "
                  "draw every random choice from the rng passed to __init__ (no wall clock, no set order)")
    other = _run(check, strategy_class, bench, budget, seed=4, workers=3)
    check.require(first.keys != other.keys, "runs with seeds 3 and 4 proposed the same architectures; "
                  "draw random choices from the rng passed to __init__")
    _run(check, strategy_class, bench, budget, seed=5, workers=1)
    _asks_before_tells(check, strategy_class, bench)
    _tell_without_ask(check, strategy_class, bench)
    if "dedupe" in hyperparameters:
        deduped = _run(check, strategy_class, bench, budget, seed=6, workers=3, dedupe=True)
        check.require(len(set(deduped.keys)) == len(deduped.keys),
                      "with dedupe=True an architecture was proposed twice; let algorithms.base.Strategy.ask "
                      "wrap _ask (do not override ask) and call _discard for rejected proposals")


def _hyperparameters(check: Checker, cls: type) -> dict:
    """name -> default of every hyperparameter (the parameters after `space` and `rng`)."""
    try:
        parameters = list(inspect.signature(cls).parameters.values())
    except (TypeError, ValueError) as exc:
        raise check.error(f"its constructor has no readable signature ({exc})") from None
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    check.require(len(positional) >= 2, "__init__ must take (space, rng, *, hyperparameters...)")
    out = {}
    for p in parameters:
        if p in positional[:2]:
            continue
        check.require(p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD),
                      f"__init__ takes *{p.name} or **{p.name}; name every hyperparameter as a keyword argument "
                      "so that an experiment file's misspelt key is an error")
        check.require(p.default is not p.empty,
                      f"hyperparameter {p.name!r} has no default; give every hyperparameter the published default")
        out[p.name] = p.default
    return out


def _check_constraints(check: Checker, cls: type, hyperparameters: dict) -> None:
    if not hasattr(cls, "hyperparameter_constraints"):
        return  # not a Strategy subclass: nothing declared to check
    constraints = declared_constraints(cls)
    for name in constraints:
        check.require(name in hyperparameters,
                      f"hyperparameter_constraints declares {name!r}, which __init__ does not take")
    for name, default in hyperparameters.items():
        check.require(name in constraints,
                      f"hyperparameter {name!r} has no declared constraint; add it to hyperparameter_constraints "
                      "(e.g. Interval(int, 1) or Options(...), from algorithms.hyperparameters)")
        check.require(satisfies(default, constraints[name]),
                      f"the default of {name!r}, {default!r}, is not {describe(constraints[name])} as declared")


def _build(check: Checker, cls: type, bench, seed: int, **params):
    with check.calling(f"{cls.__name__}(space, rng{''.join(f', {k}={v!r}' for k, v in params.items())})"):
        return cls(bench.space, np.random.default_rng(seed), **params)


def _run(check: Checker, cls: type, bench, budget: int, *, seed: int, workers: int, **params):
    strategy = _build(check, cls, bench, seed, **params)
    return run_loop(bench, strategy, budget, np.random.default_rng(seed + 1000), workers=workers)


def _asks_before_tells(check: Checker, cls: type, bench) -> None:
    """Rounds of eight outstanding asks, told in reverse order (parallel workers)."""
    strategy = _build(check, cls, bench, 1)
    rng = np.random.default_rng(2)
    for _ in range(3):
        asked = []
        for _ in range(8):
            with check.calling("ask() with earlier asks not yet told"):
                proposal = strategy.ask()
            if proposal is None:
                break
            asked.append(getattr(proposal, "arch", proposal))
        for arch in reversed(asked):
            check.require(bench.space.is_valid(arch), f"ask() with earlier asks not yet told proposed {arch!r}, "
                          "which is no valid architecture of the space")
            obs = bench.query(arch, rng)
            with check.calling("tell() in another order than the asks"):
                strategy.tell(arch, Feedback(valid=obs.valid, cost=obs.cost, fidelity=obs.fidelity))


def _tell_without_ask(check: Checker, cls: type, bench) -> None:
    """A warm start or a replay tells results the strategy never asked for."""
    strategy = _build(check, cls, bench, 7)
    rng = np.random.default_rng(8)
    for _ in range(3):
        arch = bench.space.sample(rng)
        obs = bench.query(arch, rng)
        with check.calling("tell() of an architecture it never proposed (a warm start)"):
            strategy.tell(arch, Feedback(valid=obs.valid, cost=obs.cost, fidelity=obs.fidelity))
    with check.calling("ask() after a warm start"):
        strategy.ask()


def _same(value, default) -> bool:
    try:
        return bool(value == default) or value is default
    except Exception:  # an array-like attribute: compare what it holds
        return bool(np.array_equal(value, default))
