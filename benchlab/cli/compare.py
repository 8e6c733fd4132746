"""`benchlab compare [CONFIG]`: run an experiment grid, print the final table, write the report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchlab.cli.arguments import check_jobs, names
from benchlab.errors import ConfigError
from benchlab.paths import reports_dir


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "compare",
        help="run an experiment (benchmarks x strategies x seeds) and report the results",
        description="Run every run of an experiment file (default: the shipped default experiment), "
        "skipping runs already finished in the output folder, then print a final table per benchmark "
        "and write the report.",
    )
    p.add_argument("config", nargs="?", help="experiment TOML file (default: the shipped default.toml)")
    p.add_argument("--benchmarks", type=names, help="comma-separated benchmark names (replaces the file's list)")
    p.add_argument("--strategies", type=names, help="comma-separated strategy labels or registry names")
    p.add_argument("--strategy", action="append", dest="user_strategies", metavar="MODULE:CLASS", default=[],
                   help="add your own strategy class (repeatable)")
    p.add_argument("--seeds", type=int, help="number of seeded repeats per benchmark and strategy")
    p.add_argument("--budget-queries", type=int, metavar="Q", help="evaluations per run")
    p.add_argument("--budget-time", type=float, metavar="SECONDS", help="simulated seconds per run")
    p.add_argument("--workers", type=int, help="simulated parallel workers per run")
    p.add_argument("--jobs", type=int, help="local worker processes (default: all cores; 1 runs in this process)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run on this Dask scheduler")
    p.add_argument("--dask-local", type=int, metavar="N", help="run on a local Dask cluster of N worker processes")
    p.add_argument("--run-timeout", type=float, metavar="SECONDS",
                   help="wall-clock limit per run; a run that takes longer is recorded as failed")
    p.add_argument("--out", type=Path, help="experiment folder (default: reports/<experiment name>)")
    p.add_argument("--full", action="store_true", help="run every shipped benchmark")
    p.add_argument("--no-report", action="store_true", help="do not write the HTML/Markdown report")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from benchlab.harness.config import load_config
    from benchlab.harness.experiment import run_experiment
    from benchlab.harness.results import final_results, format_tables, summary_tables

    check_jobs(args.jobs)
    if args.dask_local is not None and args.dask_local < 1:
        raise ConfigError(f"--dask-local must be at least 1, got {args.dask_local}")
    if args.full and args.benchmarks:
        raise ConfigError("give either --full or --benchmarks, not both")
    if args.scheduler and args.dask_local:
        raise ConfigError("give either --scheduler or --dask-local, not both")
    config = load_config(
        args.config,
        benchmarks=args.benchmarks,
        strategies=args.strategies,
        user_strategies=args.user_strategies,
        seeds=args.seeds,
        budget_queries=args.budget_queries,
        budget_time=args.budget_time,
        workers=args.workers,
        full=args.full,
        name=f"{_config_name(args.config)}-full" if args.full else None,
        run_timeout=args.run_timeout,
    )
    out_dir = args.out or reports_dir() / config.name
    if not args.no_report and out_dir.is_dir():
        from benchlab.analysis.report_files import check_report_targets

        check_report_targets(out_dir)  # a report that could not be written is found before the runs
    if not args.quiet:
        for note in config.notes:
            print(f"note: {note}", file=sys.stderr)
        print(f"{config.name}: {len(config.benchmarks)} benchmarks x {len(config.strategies)} strategies x "
              f"{config.seeds} seeds = {config.n_runs} runs -> {out_dir}", file=sys.stderr)
    summary = run_experiment(config, out_dir, jobs=args.jobs, scheduler=args.scheduler,
                             dask_local=args.dask_local, quiet=args.quiet)
    if summary.damaged:
        print(f"benchlab: warning: {summary.damaged_note()}", file=sys.stderr)
    if not args.quiet:
        print(format_tables(summary_tables(final_results(out_dir, config))))
        print(f"{summary.ran} runs done, {summary.skipped} reused, {summary.n_failed} failed "
              f"in {summary.wall_s:.1f} s; results in {out_dir}")
    if summary.failed:
        # The report compares complete sets of seeds; one built without the failed runs would be biased.
        print(f"benchlab: {summary.n_failed} of {summary.total} runs failed, so no report was written; "
              f"{summary.first_failure()}. Fix the cause and run the same command again: finished runs are reused.",
              file=sys.stderr)
        return 1
    if not args.no_report:
        from benchlab.analysis.report import write_report

        path = write_report(out_dir, quiet=args.quiet)
        if not args.quiet:
            print(f"report: {path}")
    return 0


def _config_name(config_path) -> str:
    from benchlab.harness.config import DEFAULT_CONFIG, _read_toml

    source = Path(config_path) if config_path else DEFAULT_CONFIG
    return str(_read_toml(source).get("name") or source.stem)
