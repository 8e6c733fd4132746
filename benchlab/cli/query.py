"""`benchlab query BENCH ARCH`: one lookup, for quick checks.

    benchlab query nb201/cifar10 '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'
    benchlab query graph/cora '0,0,1,2|gcn,gat,sage,skip'
    benchlab query nb101 ADJ|OPS --fidelity 36

Prints every recorded repeat (validation, test, cost), their means and the optimum.
"""

from __future__ import annotations

import argparse
import math
import statistics

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
    cost_unit = "cost (s)" if bench.has_time_cost else "cost (queries)"
    header = ["repeat", "valid"] + (["test"] if bench.has_test_metric else []) + [cost_unit]
    rows = [(str(o.repeat), o.valid, o.test, o.cost) for o in observations]
    mean_cost = statistics.fmean(o.cost for o in observations) if observations else math.nan
    rows.append(("mean", means.valid, means.test, mean_cost))
    table = [
        [repeat, f"{valid:.6g}"] + ([f"{test:.6g}"] if bench.has_test_metric else []) + [f"{cost:.6g}"]
        for repeat, valid, test, cost in rows
    ]
    shown_fidelity = observations[0].fidelity if observations else fidelity
    params = observations[0].params if observations else math.nan
    print(f"benchmark  {bench.name}  ({bench.metric}; higher is better)")
    print(f"arch       {bench.space.format(arch)}")
    print(f"key        {bench.space.key(arch)}")
    print(f"fidelity   {'full' if shown_fidelity is None else shown_fidelity}")
    if not math.isnan(params):
        print(f"params     {params:,.0f}")
    print(format_table(header, table, align="right"))
    print(f"optimum    valid {bench.optimum.valid:.6g}" + (f", test {bench.optimum.test:.6g}" if bench.has_test_metric else ""))
    return 0
