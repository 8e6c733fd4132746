"""Optimizers of other libraries as strategies: `optuna:<SamplerClass>`, `nevergrad:<Optimizer>`.

Each adapter searches the space's categorical decisions (`decision_sizes`) through the
library's own ask/tell interface; `load_strategy` builds the class for a prefixed name.
The libraries are optional extras (`pip install 'benchlab[optuna]'`, `'benchlab[nevergrad]'`).
"""

from __future__ import annotations

import importlib

#: prefix -> module whose `strategy_class(name)` returns the adapter class for `prefix:name`
PREFIXES = {
    "optuna": "algorithms.adapters.optuna_sampler",
    "nevergrad": "algorithms.adapters.nevergrad_optimizer",
}


def adapter_class(name: str) -> type | None:
    """The adapter class for `optuna:X` / `nevergrad:X`, or None when `name` has neither prefix."""
    prefix, sep, rest = name.partition(":")
    if not sep or prefix not in PREFIXES:
        return None
    return importlib.import_module(PREFIXES[prefix]).strategy_class(rest)
