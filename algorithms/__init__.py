"""Search strategies, one file each, behind the ask/tell contract of `algorithms.base`.

`STRATEGIES` maps registry names to `module:Class`; `load_strategy` also accepts a user's
own `package.module:Class`, so a new strategy needs no change to this project.
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
    # multi-objective (they also run single-objective experiments, on the validation score)
    "mo-rs": "algorithms.random_search:RandomSearch",  # random search learns nothing: the same class
    "nsga2": "algorithms.nsga2:NSGA2",
    "mo-re": "algorithms.mo_regularized_evolution:MORegularizedEvolution",
    "parego": "algorithms.parego:ParEGO",
}
#: the strategies built for objectives (multiobjective.toml runs them; default.toml the others)
MULTI_OBJECTIVE = ("mo-rs", "nsga2", "mo-re", "parego")


def load_strategy(name: str) -> type:
    """The strategy class for a registry name or a `module:Class` path."""
    target = STRATEGIES.get(name, name)
    if ":" not in target:
        raise UnknownNameError(
            f"unknown strategy {name!r}; use one of {', '.join(STRATEGIES)} or a module:Class path"
        )
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UnknownNameError(
            f"cannot import strategy module {module_name!r} ({exc}); check the name and that it is on PYTHONPATH"
        ) from None
    try:
        cls = getattr(module, class_name)
    except AttributeError:
        raise UnknownNameError(f"module {module_name!r} has no class {class_name!r}") from None
    if not (callable(getattr(cls, "ask", None)) and callable(getattr(cls, "tell", None))):
        raise UnknownNameError(f"{target} is not a strategy: it needs ask() and tell() methods")
    return cls
