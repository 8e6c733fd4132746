"""`benchlab query BENCH ARCH`: one lookup, for quick checks.

    benchlab query nb201/cifar10 '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'
    benchlab query graph/cora '0,0,1,2|gcn,gat,sage,skip'
    benchlab query nb101 ADJ|OPS --fidelity 36

Prints every recorded repeat with every objective the benchmark declares (validation, test,
parameters, latency, training time, ...), their means and the optimum.
"""

from __future__ import annotations

import argparse
import math

from benchlab.benchmarks import registry
from benchlab.cli.text import format_table
from benchlab.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "query",
        help="look up one architecture: all repeats, means, cost",
        description="Print every recorded repeat of one architecture in a benchmark, with means and cost.",
    )
    parser.add_argument("benchmark", metavar="BENCH", help="a name from `benchlab benchmarks`, or nb101:PATH")
    parser.add_argument("arch", metavar="ARCH", help="the architecture in the space's text form")
    parser.add_argument("--fidelity", help="budget to look up (default: the full budget)")
    parser.set_defaults(func=_query)


def _parse_fidelity(bench, text: str | None):
    if text is None:
        return None
    for fidelity in bench.fidelities:
        if fidelity is not None and str(fidelity) == text.strip():
            return fidelity
    raise UserError(
        f"{bench.name}: fidelity {text!r} is not in the table; use one of "
        f"{', '.join('full' if f is None else str(f) for f in bench.fidelities)}"
    )


def _query(args: argparse.Namespace) -> int:
    bench = registry.get_benchmark(args.benchmark)
    arch = bench.space.parse(args.arch)
    fidelity = _parse_fidelity(bench, args.fidelity)
    observations = bench.repeats(arch, fidelity)
    means = bench.means(arch, fidelity)
    shown_fidelity = observations[0].fidelity if observations else fidelity
    print(f"benchmark  {bench.name}  ({bench.metric}; higher is better)")
    print(f"arch       {bench.space.format(arch)}")
    print(f"key        {bench.space.key(arch)}")
    print(f"fidelity   {'full' if shown_fidelity is None else shown_fidelity}")
    print("objectives " + "; ".join(o.describe() for o in bench.objectives))
    header, rows = objective_table(bench, observations, means)
    print(format_table(header, rows, align="right"))
    print(f"optimum    valid {bench.optimum.valid:.6g}" + (f", test {bench.optimum.test:.6g}" if bench.has_test_metric else ""))
    return 0


def objective_table(bench, observations, means) -> tuple[list[str], list[list[str]]]:
    """One row per repeat and a mean row; a column per declared objective, then the charged cost."""
    from benchlab.benchmarks.base import observed  # here (it imports numpy): every subcommand builds this parser

    columns = {"repeat": [str(o.repeat) for o in observations] + ["mean"]}
    for objective in bench.objectives:
        values = [observed(o, objective.field) for o in observations]
        if objective.name == "valid":
            mean = means.valid
        elif objective.name == "test":
            mean = means.test
        else:
            mean = _mean(values)
        columns[objective.name] = values + [mean]
    if not bench.has_time_cost:
        costs = [o.cost for o in observations]
        columns["cost (queries)"] = costs + [_mean(costs)]
    header = list(columns)
    cells = [[v if isinstance(v, str) else f"{v:.6g}" for v in column] for column in columns.values()]
    return header, [list(row) for row in zip(*cells)]


def _mean(values: list[float]) -> float:
    """`statistics.fmean` (the same sum), without importing `statistics`, `fractions` and `decimal`."""
    return math.fsum(values) / len(values) if values else math.nan
