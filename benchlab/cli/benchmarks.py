"""`benchlab benchmarks`: list every registered benchmark and what it offers.

    benchlab benchmarks [PREFIX]

One row per benchmark: size of the space, repeats, metric, fidelities, whether queries
cost recorded training time, whether there is a test metric, its objectives (name and
direction; `*` marks report-only ones), whether its data is present here and, when it is
not, the one command that gets it.
"""

from __future__ import annotations

import argparse

from benchlab.benchmarks import registry
from benchlab.cli.text import format_table
from benchlab.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "benchmarks",
        help="list the benchmarks, their spaces, metrics and data status",
        description="List every benchmark by name (what `benchlab compare` and `benchlab query` accept).",
    )
    parser.add_argument("prefix", nargs="?", default="", help="only names starting with this, e.g. nb201 or graph/")
    parser.set_defaults(func=_list)


def benchmark_rows(prefix: str = "") -> list[dict]:
    """One dict per benchmark whose name starts with `prefix`. Entries that declare their facts
    are described without loading; the others are loaded when their data is present."""
    rows = []
    for name, entry in registry.entries().items():
        if not name.startswith(prefix):
            continue
        row = {"name": name, "space size": "-", "repeats": "-", "metric": "-", "fidelities": "-",
               "time cost": "-", "test metric": "-", "objectives": "-", "data": "no", "get it with": entry.get_command}
        if entry.data_present():
            try:
                facts = entry.facts() if entry.facts else registry.BenchmarkFacts.of(registry.get_benchmark(name))
                row.update(_describe(facts))
            except UserError as exc:  # corrupt or unreadable data: say why, keep listing
                row.update(data="unreadable", **{"get it with": f"{entry.get_command} ({exc})"})
        rows.append(row)
    return rows


def _describe(facts: registry.BenchmarkFacts) -> dict:
    return {
        "space size": f"{facts.space_size:,}",
        "repeats": str(facts.repeats),
        "metric": facts.metric,
        "fidelities": ", ".join("full" if f is None else str(f) for f in facts.fidelities),
        "time cost": "yes" if facts.has_time_cost else "no (1/query)",
        "test metric": "yes" if facts.has_test_metric else "no",
        "objectives": " ".join(_objective_label(o) for o in facts.objectives) or "-",
        "data": "yes",
        "get it with": "",
    }


def _objective_label(objective) -> str:
    """`valid+` (maximised), `params-` (minimised), `train` (no direction), `test+*` (report only)."""
    mark = {"max": "+", "min": "-"}.get(objective.direction, "")
    return f"{objective.name}{mark}{'' if objective.visible else '*'}"


def _list(args: argparse.Namespace) -> int:
    rows = benchmark_rows(args.prefix)
    if not rows:
        raise UserError(f"no benchmark name starts with {args.prefix!r}; run `benchlab benchmarks` for all")
    print(format_rows(rows))
    return 0


def format_rows(rows: list[dict]) -> str:
    """Left-aligned text columns under the dicts' keys."""
    header = list(rows[0])
    return format_table(header, [[row[col] for col in header] for row in rows])
