"""`benchlab validate module:Class`: is a new strategy better than the baselines?"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchlab.cli.arguments import check_jobs, names
from benchlab.errors import ConfigError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "validate",
        help="run your strategy beside the baselines and say whether it is better",
        description="Run MODULE:CLASS and the baselines on the default experiment's benchmarks "
        "(or --benchmarks), reusing baseline runs already in the output folder with the same settings "
        "(your strategy's runs are always redone), then print per benchmark and overall whether it is "
        "better, worse or not distinguishable from each baseline at alpha=0.05 after Holm correction, "
        "with effect sizes, and write the report. Exit code 0 whatever the verdict; 2 on bad input.",
    )
    p.add_argument("strategy", metavar="MODULE:CLASS", help="your strategy class, e.g. my_pkg.search:MySearch")
    p.add_argument("--against", type=names, default=None, metavar="NAMES",
                   help="comma-separated baselines (default: rs,re,reinforce,bo)")
    p.add_argument("--benchmarks", type=names, metavar="NAMES", help="comma-separated benchmark names")
    p.add_argument("--config", metavar="FILE", help="experiment file whose benchmarks, objectives and constraints "
                   "to use (default: the shipped default experiment); with objectives the baselines default "
                   "to mo-rs,nsga2,mo-re and the verdict is on hypervolume regret")
    p.add_argument("--seeds", type=int, metavar="N", help="seeded repeats per benchmark and strategy")
    p.add_argument("--budget-queries", type=int, metavar="Q", help="evaluations per run")
    p.add_argument("--out", type=Path, metavar="DIR", help="experiment folder (default: reports/validate)")
    p.add_argument("--jobs", type=int, help="local worker processes (default: all cores)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from benchlab.analysis.validate import format_verdicts, validate

    if ":" not in args.strategy:
        raise ConfigError(f"the strategy is written module:Class (e.g. my_pkg.search:MySearch), got {args.strategy!r}")
    check_jobs(args.jobs)
    if args.against is not None and not args.against:
        raise ConfigError("--against needs at least one baseline, e.g. rs,re,reinforce,bo")
    result, experiment = validate(
        args.strategy,
        against=args.against,
        config_path=args.config,
        benchmarks=args.benchmarks,
        seeds=args.seeds,
        budget_queries=args.budget_queries,
        out_dir=args.out,
        jobs=args.jobs,
        quiet=args.quiet,
    )
    print(format_verdicts(result, experiment))
    print(f"report: {result.report}")
    return 0
