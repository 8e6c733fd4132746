"""Performance predictors, one file each, behind the contract of `benchlab.predictors.base`.

`PREDICTORS` maps registry names to `module:Class`; `load_predictor` also accepts a
user's own `package.module:Class`. Zero-cost proxies (scores of untrained networks, no
fitting) live in `benchlab.train.proxies` and are named in `PROXIES`.
"""

from __future__ import annotations

import importlib

from benchlab.errors import UnknownNameError

PREDICTORS = {
    "gp": "benchlab.predictors.gp:GaussianProcessPredictor",
    "mlp-ensemble": "benchlab.predictors.mlp_ensemble:MLPEnsemblePredictor",
    "gbt": "benchlab.predictors.boosted_trees:BoostedTreesPredictor",
    "rf": "benchlab.predictors.random_forest:RandomForestPredictor",
}
#: zero-cost proxies (computed by benchlab.train.proxies; need the train extra)
PROXIES = ("params", "flops", "synflow", "snip", "grad_norm", "jacob_cov", "nwot")


def load_predictor(name: str) -> type:
    """The predictor class for a registry name or a `module:Class` path."""
    target = PREDICTORS.get(name, name)
    if ":" not in target:
        raise UnknownNameError(
            f"unknown predictor {name!r}; use one of {', '.join(PREDICTORS)} (or a zero-cost proxy: "
            f"{', '.join(PROXIES)}) or a module:Class path"
        )
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UnknownNameError(f"cannot import predictor module {module_name!r} ({exc}); check the name") from None
    try:
        cls = getattr(module, class_name)
    except AttributeError:
        raise UnknownNameError(f"module {module_name!r} has no class {class_name!r}") from None
    if not (callable(getattr(cls, "fit", None)) and callable(getattr(cls, "predict", None))):
        raise UnknownNameError(f"{target} is not a predictor: it needs fit() and predict() methods")
    return cls


def make_predictor(name: str, space, rng, **hyperparameters):
    """A predictor built from its registry name."""
    return load_predictor(name)(space, rng, **hyperparameters)
