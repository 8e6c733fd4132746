"""`benchlab verify`: train cells live and compare them with the table's repeats.

    benchlab verify --cells KEY[,KEY...] | --from EXPERIMENT_DIR [--epochs 4] [--repeats 1]
                    [--table nb101|nb101:PATH] [--data-dir DIR] [--out DIR] [--cache DIR]

Writes verify_runs.csv, verify_cells.csv, verify_summary.json and verify.png. Finished
runs are cached (default data/live/), so an interrupted verify resumes where it stopped.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchlab import paths
from benchlab.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="train NB101 cells live (PyTorch) and compare them with the table",
        description="Train each cell with the NAS-Bench-101 protocol and put the live accuracy and training "
        "time beside the table's repeats (min, mean, max, z-score), with Kendall's tau across cells. "
        "Needs the training extra: pip install benchlab[train].",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--cells", metavar="KEY[,KEY...]", help="module hashes, or cells as ADJ_DIGITS|op,op,...")
    source.add_argument("--from", dest="from_dir", type=Path, metavar="EXPERIMENT_DIR",
                        help="verify the final incumbents of an experiment's NB101 runs")
    parser.add_argument("--epochs", type=int, default=4, help="epoch budget to train (the table has 4, 12, 36, 108)")
    parser.add_argument("--repeats", type=int, default=1, help="live runs per cell (default 1)")
    parser.add_argument("--max-cells", type=int, default=10, help="with --from: at most this many incumbents, most frequent first")
    parser.add_argument("--table", help="the table to compare with: nb101 or nb101:PATH (default: the experiment's "
                        "table with --from, else nb101)")
    parser.add_argument("--data-dir", type=Path, help="CIFAR-10 folder (downloaded there when absent; default data/cifar10)")
    parser.add_argument("--no-download", action="store_true", help="fail instead of downloading CIFAR-10")
    parser.add_argument("--out", type=Path, help="output folder (default EXPERIMENT_DIR/verify or reports/verify)")
    parser.add_argument("--cache", type=Path, help="folder of cached live runs (default data/live)")
    parser.add_argument("--seed", type=int, default=0, help="base seed of the live runs (default 0)")
    parser.add_argument("--device", help="torch device, e.g. cuda or cpu (default: cuda when present)")
    parser.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16", "fp16"])
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.set_defaults(func=run)


def make_trainer(args: argparse.Namespace):
    """The live trainer (a seam: tests replace it with a stub)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        raise UserError("live training needs PyTorch; install the training extra with `pip install benchlab[train]`") from None
    from benchlab.train.trainer import CifarTrainer

    return CifarTrainer(
        args.data_dir or paths.data_dir() / "cifar10",
        download=not args.no_download,
        device=args.device,
        precision=args.precision,
        progress=not args.quiet,
    )


def run(args: argparse.Namespace) -> int:
    from benchlab.benchmarks.registry import get_benchmark
    from benchlab.train.cache import ResultCache
    from benchlab.train.verify import incumbents_of_experiment, report_as_text, resolve_cells, verify_cells, write_report

    if args.epochs < 1:
        raise UserError(f"--epochs must be at least 1, got {args.epochs}")
    if args.repeats < 1:
        raise UserError(f"--repeats must be at least 1, got {args.repeats}")
    if args.max_cells < 1:
        raise UserError(f"--max-cells must be at least 1, got {args.max_cells}")
    # everything the user typed is checked before any training starts
    table_name = args.table
    if args.from_dir is not None:
        incumbents = incumbents_of_experiment(args.from_dir)
        specs = incumbents.keys[: args.max_cells]
        out = args.out or Path(args.from_dir) / "verify"
        if table_name is None:
            if len(incumbents.tables) > 1:
                raise UserError(
                    f"{args.from_dir} has runs on several NB101 tables ({', '.join(incumbents.tables)}); "
                    "choose one with --table"
                )
            table_name = incumbents.tables[0]
    else:
        specs = args.cells.split(",")
        out = args.out or paths.reports_dir() / "verify"
    table_name = table_name or "nb101"
    table = get_benchmark(table_name)
    if not (hasattr(table, "cell_of_row") and hasattr(table, "has_key")):
        raise UserError(f"--table {table_name} is not an NB101 table; use nb101 or nb101:PATH")
    cells = resolve_cells(specs, table)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file; give a folder")
    trainer = make_trainer(args)

    def say(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr)

    report = verify_cells(
        cells, table, trainer, epochs=args.epochs, repeats=args.repeats,
        cache=ResultCache(args.cache), base_seed=args.seed, progress=say,
    )
    written = write_report(report, out)
    print(report_as_text(report))
    print(f"wrote {', '.join(str(p) for p in written)}")
    return 0
