"""What a benchmark records about each cell, declared as objectives.

An `Objective` names one recorded quantity: its direction (`"max"`, `"min"`, or None for a
quantity that is recorded but is not a goal, such as training accuracy), its unit, whether a
strategy may see it after an evaluation (`visible`) or only the report may (the test score),
and the `Observation` field that holds it. Every benchmark lists its objectives; experiments
name them in `objectives = [...]` and `constraints = {...}`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

DIRECTIONS = ("max", "min", None)


@dataclass(frozen=True)
class Objective:
    name: str
    direction: str | None  # "max", "min", or None: recorded, but not a goal
    unit: str
    visible: bool  # False: only the report sees it (test scores)
    field: str  # the Observation field holding it
    description: str = ""

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise ValueError(f"objective {self.name}: direction must be 'max', 'min' or None")

    @property
    def sense(self) -> float:
        """Multiply a value by this to get a loss (lower is better); NaN without a direction."""
        return {"max": -1.0, "min": 1.0}.get(self.direction, math.nan)

    def describe(self) -> str:
        """`name (max, unit)` plus `report only` where strategies do not see it."""
        direction = self.direction or "no direction"
        return f"{self.name} ({direction}, {self.unit}{'' if self.visible else ', report only'})"


def _objective(name, direction, unit, visible, field, description) -> Objective:
    return Objective(name, direction, unit, visible, field, description)


#: every objective a shipped benchmark records, by name; a benchmark declares the subset it has
CATALOGUE: dict[str, Objective] = {
    o.name: o
    for o in (
        _objective("valid", "max", "fraction", True, "valid", "validation score of the drawn repeat"),
        _objective("test", "max", "fraction", False, "test", "test score of the same repeat"),
        _objective("params", "min", "parameters", True, "params", "number of trainable parameters"),
        _objective("latency", "min", "seconds", True, "latency", "inference latency recorded by the benchmark"),
        _objective("train_time", "min", "seconds", True, "cost", "recorded training time of the repeat"),
        _objective("precision", "max", "fraction", True, "precision", "validation precision of the repeat"),
        _objective("f1", "max", "fraction", True, "f1", "validation F1 score of the repeat"),
        _objective("train", None, "fraction", True, "train", "training accuracy (recorded, not a goal)"),
    )
}


def declare(*names: str, units: dict | None = None) -> tuple[Objective, ...]:
    """The catalogue's objectives `names`, with units overridden per name (e.g. the valid metric)."""
    units = units or {}
    return tuple(replace(CATALOGUE[n], unit=units[n]) if n in units else CATALOGUE[n] for n in names)
