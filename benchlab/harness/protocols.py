"""Named evaluation protocols: the settings of a published comparison, fixed together.

A protocol fixes what a query returns (`observation`), the signal's fidelity, the budget
and what is reported; `protocol = "<name>"` in an experiment file applies it. Where a
benchmark's data cannot honour a protocol, the experiment stops before it runs with one
line saying why. Sources and details: docs/harness.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchlab.benchmarks.base import Benchmark
from benchlab.errors import ConfigError


@dataclass(frozen=True)
class Protocol:
    name: str
    source: str
    observation: str
    budget_queries: int | None
    budget_time: float | None
    reported: str  # "test regret" (needs a test metric) or "validation regret"
    signal_fidelity: int | None = None  # epochs of the signal strategies see; None: the full budget
    families: tuple[str, ...] = ()  # benchmark name prefixes it is defined for; () = any benchmark
    summary: str = ""

    def as_dict(self) -> dict:
        return {"name": self.name, "source": self.source, "observation": self.observation,
                "budget_queries": self.budget_queries, "budget_time": self.budget_time, "reported": self.reported,
                "signal_fidelity": self.signal_fidelity, "summary": self.summary}

    def check(self, benchmark_name: str, benchmark: Benchmark) -> None:
        """Raise a `ConfigError` saying why `benchmark` cannot be run under this protocol."""
        where = f"protocol {self.name!r} ({self.source})"
        if self.families and not benchmark_name.startswith(self.families):
            raise ConfigError(f"{where} is defined for {', '.join(f + '*' for f in self.families)} only, not "
                              f"{benchmark_name}; drop the protocol or the benchmark")
        if self.signal_fidelity is not None and self.signal_fidelity not in benchmark.fidelities:
            held = ", ".join(str(f) for f in benchmark.fidelities)
            raise ConfigError(f"{where} needs the {self.signal_fidelity}-epoch validation signal, which {benchmark_name}'s "
                              f"table does not hold (it has: {held}); drop the protocol or use a table that records it")
        if self.reported == "test regret" and not benchmark.has_test_metric:
            raise ConfigError(f"{where} reports the test score of the architecture chosen by validation, and "
                              f"{benchmark_name} records no test metric; drop the protocol or the benchmark")


PROTOCOLS = {
    "naszilla": Protocol(
        name="naszilla",
        source="White et al., BANANAS, AAAI 2021; the naszilla repository",
        observation="mean",
        budget_queries=150,
        budget_time=None,
        reported="test regret",
        summary="mean validation score over the recorded repeats as the signal, 150 queries, "
                "test score of the architecture with the best validation score reported",
    ),
    "nb201": Protocol(
        name="nb201",
        source="Dong & Yang, NAS-Bench-201, ICLR 2020, Sec. 6 and the authors' search scripts",
        observation="sample",
        budget_queries=None,
        budget_time=12000.0,
        reported="test regret",
        signal_fidelity=12,
        families=("nb201/",),
        summary="validation accuracy after 12 epochs of one random recorded trial as the signal, "
                "charged its training time, 12,000 simulated seconds, test accuracy reported",
    ),
}


def get(name) -> Protocol:
    if name not in PROTOCOLS:
        raise ConfigError(f"unknown protocol {name!r}; use one of {', '.join(PROTOCOLS)} (docs/harness.md)")
    return PROTOCOLS[name]
