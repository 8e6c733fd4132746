"""Constraints of an experiment, such as `params = "<= 1.0e6"`, and how far a value breaks them."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from benchlab.errors import ConfigError

_FORM = re.compile(r"^\s*(<=|>=)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


@dataclass(frozen=True)
class Constraint:
    name: str  # an objective of the benchmark
    op: str  # "<=" or ">="
    bound: float

    def violation(self, value: float) -> float:
        """0 when `value` meets the bound, else the excess relative to |bound| (inf for NaN)."""
        if value != value:
            return math.inf
        excess = value - self.bound if self.op == "<=" else self.bound - value
        return max(0.0, excess) / max(abs(self.bound), 1e-12)

    def holds(self, values):
        """Elementwise: whether each value meets the bound (NaN never does)."""
        return values <= self.bound if self.op == "<=" else values >= self.bound

    def text(self) -> str:
        return f"{self.name} {self.op} {self.bound:g}"

    def as_tuple(self) -> tuple:
        return (self.name, self.op, self.bound)


def parse_constraints(table, where: str) -> tuple[Constraint, ...]:
    """`{ params = "<= 1.0e6", latency = "<= 0.02" }` -> Constraints, in the order written."""
    if not isinstance(table, dict):
        raise ConfigError(f'{where}: constraints must be a table, e.g. constraints = {{ params = "<= 1.0e6" }}')
    out = []
    for name, text in table.items():
        match = _FORM.match(text) if isinstance(text, str) else None
        if match is None:
            raise ConfigError(f'{where}: constraint {name} = {text!r} is not "<= NUMBER" or ">= NUMBER", e.g. "<= 1.0e6"')
        out.append(Constraint(name, match.group(1), float(match.group(2))))
    return tuple(out)


def from_tuples(items) -> tuple[Constraint, ...]:
    return tuple(Constraint(str(n), str(op), float(b)) for n, op, b in items)
