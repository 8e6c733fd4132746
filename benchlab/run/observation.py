"""What a query returns to the strategy: the evaluation protocol's `observation` setting.

* ``"sample"`` (default): one recorded repeat drawn at random, as the NAS-Bench-101 and
  NAS-Bench-201 APIs do.
* ``"mean"``: the mean over the recorded repeats of validation score, test score, cost and
  training score (naszilla's "deterministic" queries).
* ``"repeat:K"``: always the K-th recorded repeat (0-based), a fixed training seed.

Only the strategy's view changes: regret is measured on the incumbent's mean scores in
every mode.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from benchlab.benchmarks.base import Benchmark, Observation
from benchlab.errors import ConfigError, DataError

DEFAULT = "sample"
_REPEAT = re.compile(r"^repeat:(\d+)$")
MEANINGS = {
    "sample": "a query returns one recorded repeat drawn at random (the NAS-Bench APIs)",
    "mean": "a query returns the mean over the recorded repeats (naszilla's deterministic queries)",
    "repeat": "a query always returns recorded repeat {k} (0-based)",
}


def parse(text) -> str:
    """The observation mode `text` names, checked; a `ConfigError` naming the choices otherwise."""
    if text in ("sample", "mean") or (isinstance(text, str) and _REPEAT.match(text)):
        return text
    raise ConfigError(f"observation must be \"sample\", \"mean\" or \"repeat:K\" (K = 0, 1, ...), got {text!r}")


def repeat_index(mode: str) -> int | None:
    match = _REPEAT.match(mode)
    return int(match.group(1)) if match else None


def describe(mode: str) -> str:
    k = repeat_index(mode)
    return MEANINGS["repeat"].format(k=k) if k is not None else MEANINGS[mode]


def check(benchmark: Benchmark, mode: str, name: str) -> None:
    """Raise a `ConfigError` saying why `benchmark` cannot serve `mode`."""
    if mode == "sample":
        return
    if not callable(getattr(benchmark, "repeats", None)):
        raise ConfigError(f"{name} cannot serve observation = {mode!r}: it does not list its recorded repeats; "
                          "use observation = \"sample\"")
    k = repeat_index(mode)
    if k is not None and k >= benchmark.n_repeats:
        raise ConfigError(f"{name} records at most {benchmark.n_repeats} repeat(s) per architecture, so "
                          f"observation = {mode!r} has no such repeat; use repeat:0 to repeat:{benchmark.n_repeats - 1}")


def query_function(benchmark: Benchmark, mode: str) -> Callable:
    """`query(arch, rng, fidelity)` returning what a strategy observes under `mode`."""
    if mode == "sample":
        return benchmark.query
    k = repeat_index(mode)
    repeats = benchmark.repeats

    if k is not None:
        def fixed_repeat(arch, rng, fidelity=None) -> Observation:
            runs = repeats(arch, fidelity)
            if k >= len(runs):
                raise DataError(f"{benchmark.name}: architecture {runs[0].key if runs else arch} has {len(runs)} "
                                f"recorded repeat(s) at this fidelity, so observation = 'repeat:{k}' cannot be served")
            return runs[k]

        return fixed_repeat

    def mean(arch, rng, fidelity=None) -> Observation:
        runs = repeats(arch, fidelity)
        first = runs[0]
        n = len(runs)
        return Observation(
            key=first.key,
            valid=math.fsum(r.valid for r in runs) / n,
            test=math.fsum(r.test for r in runs) / n,
            cost=math.fsum(r.cost for r in runs) / n,
            fidelity=first.fidelity,
            repeat=-1,  # no single repeat
            train=math.fsum(r.train for r in runs) / n,
            params=first.params,
        )

    return mean
