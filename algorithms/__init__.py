"""Search strategies, one file each, behind the ask/tell contract of `algorithms.base`.

`STRATEGIES` maps registry names to `module:Class`; `load_strategy` also accepts a user's
own `package.module:Class`, so a new strategy needs no change to this project, and
`optuna:<SamplerClass>` / `nevergrad:<Optimizer>` for another library's optimizer
(algorithms/adapters/).
"""

from __future__ import annotations

import importlib

from benchlab.errors import UnknownNameError

STRATEGIES = {
    "rs": "algorithms.random_search:RandomSearch",
    "re": "algorithms.regularized_evolution:RegularizedEvolution",
    "reinforce": "algorithms.reinforce:Reinforce",
    "bo": "algorithms.bayesian_optimisation:BayesianOptimisation",
    "ls": "algorithms.local_search:LocalSearch",
    "ga": "algorithms.genetic_algorithm:GeneticAlgorithm",
    "qlearning": "algorithms.q_learning:QLearning",
    "bananas": "algorithms.bananas:Bananas",
    "npenas": "algorithms.npenas:Npenas",
    "zc-warmup": "algorithms.zc_warmup:ZeroCostWarmup",
    # multi-objective (they also run single-objective experiments, on the validation score)
    "mo-rs": "algorithms.random_search:RandomSearch",  # random search learns nothing: the same class
    "nsga2": "algorithms.nsga2:NSGA2",
    "mo-re": "algorithms.mo_regularized_evolution:MORegularizedEvolution",
    "parego": "algorithms.parego:ParEGO",
}
#: the strategies built for objectives (multiobjective.toml runs them; default.toml the others)
MULTI_OBJECTIVE = ("mo-rs", "nsga2", "mo-re", "parego")

#: registered strategies the default comparison (`make compare`) leaves out: each of their asks
#: trains a model ensemble (bananas, npenas) or scores networks in PyTorch (zc-warmup, an
#: extra), which would take the default comparison from minutes to hours; the multi-objective
#: strategies belong to multiobjective.toml
NOT_IN_DEFAULT_COMPARISON = frozenset({"bananas", "npenas", "zc-warmup", *MULTI_OBJECTIVE})


def load_strategy(name: str) -> type:
    """The strategy class for a registry name or a `module:Class` path."""
    target = STRATEGIES.get(name, name)
    from algorithms.adapters import adapter_class

    adapter = adapter_class(target)
    if adapter is not None:
        return adapter
    if ":" not in target:
        raise UnknownNameError(
            f"unknown strategy {name!r}; use one of {', '.join(STRATEGIES)}, a module:Class path, "
            "optuna:<SamplerClass> or nevergrad:<Optimizer>"
        )
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # ImportError, or a SyntaxError / any exception the module raises at import
        reason = str(exc).splitlines()[0] if str(exc).strip() else "no message"
        raise UnknownNameError(
            f"cannot import strategy module {module_name!r} ({type(exc).__name__}: {reason[:300]}); "
            "check the name, the module and that it is on PYTHONPATH"
        ) from None
    try:
        cls = getattr(module, class_name)
    except AttributeError:
        raise UnknownNameError(f"module {module_name!r} has no class {class_name!r}") from None
    if not (callable(getattr(cls, "ask", None)) and callable(getattr(cls, "tell", None))):
        raise UnknownNameError(f"{target} is not a strategy: it needs ask() and tell() methods")
    return cls
