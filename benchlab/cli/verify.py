"""`benchlab verify`: train cells live and compare them with the table's repeats.

    benchlab verify --cells KEY[,KEY...] | --from EXPERIMENT_DIR [--epochs 4|200] [--repeats 1]
                    [--table nb101|nb101:PATH|nb201/cifar10|nb201/cifar100] [--data-dir DIR]
                    [--out DIR] [--cache DIR]

NB101 cells train with the NAS-Bench-101 protocol (`benchlab.train.trainer`), NB201 cells
with NAS-Bench-201's (`benchlab.train.nb201_trainer`).

Writes verify_runs.csv, verify_cells.csv, verify_summary.json and verify.png. Finished
runs are cached (default data/live/), so an interrupted verify resumes where it stopped.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchlab import paths
from benchlab.errors import UserError
from benchlab.train.nb201_protocol import TABLE_EPOCHS as TABLE_EPOCHS_NB201


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="train NB101 or NB201 cells live (PyTorch) and compare them with the table",
        description="Train each cell with its benchmark's protocol (NAS-Bench-101 or NAS-Bench-201) and put the "
        "live accuracy and training time beside the table's repeats (min, mean, max, z-score), with Kendall's "
        "tau across cells. Needs the training extra: pip install benchlab[train].",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--cells", metavar="KEY[,KEY...]", help="NB101: module hashes or ADJ_DIGITS|op,op,...; "
                        "NB201: |nor_conv_3x3~0|+|...| strings, 333132 or 3,3,3,1,3,2")
    source.add_argument("--from", dest="from_dir", type=Path, metavar="EXPERIMENT_DIR",
                        help="verify the final incumbents of an experiment's NB101 or NB201 runs")
    parser.add_argument("--epochs", type=int, help="epoch budget to train (NB101's table has 4, 12, 36, 108, "
                        "default 4; NB201's 200, the default)")
    parser.add_argument("--repeats", type=int, default=1, help="live runs per cell (default 1)")
    parser.add_argument("--max-cells", type=int, default=10, help="with --from: at most this many incumbents, most frequent first")
    parser.add_argument("--table", help="the table to compare with: nb101, nb101:PATH, nb201/cifar10 or nb201/cifar100 "
                        "(default: the experiment's table with --from, else nb101)")
    parser.add_argument("--data-dir", type=Path, help="dataset folder (default data/cifar10, data/cifar100 for "
                        "nb201/cifar100); NB201 also reads the benchmark's split file there")
    parser.add_argument("--no-download", action="store_true", help="fail instead of downloading CIFAR")
    parser.add_argument("--out", type=Path, help="output folder (default EXPERIMENT_DIR/verify or reports/verify)")
    parser.add_argument("--cache", type=Path, help="folder of cached live runs (default data/live)")
    parser.add_argument("--seed", type=int, default=0, help="base seed of the live runs (default 0)")
    parser.add_argument("--device", help="torch device, e.g. cuda or cpu (default: cuda when present)")
    parser.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16", "fp16"])
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.set_defaults(func=run)


def is_nb201(table) -> bool:
    return getattr(getattr(table, "space", None), "name", "") == "nb201"


def make_trainer(args: argparse.Namespace, table=None):
    """The live trainer for the table's family (a seam: tests replace it with a stub)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        raise UserError("live training needs PyTorch; install the training extra with `pip install benchlab[train]`") from None
    if is_nb201(table):
        from benchlab.train.nb201_trainer import NB201Trainer

        dataset = table.name.removeprefix("nb201/")
        return NB201Trainer(
            dataset, args.data_dir or paths.data_dir() / dataset, download=not args.no_download,
            device=args.device, precision=args.precision, progress=not args.quiet,
        )
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

    if args.epochs is not None and args.epochs < 1:
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
                    f"{args.from_dir} has runs on several tables ({', '.join(incumbents.tables)}); "
                    "choose one with --table"
                )
            table_name = incumbents.tables[0]
    else:
        specs = None
        out = args.out or paths.reports_dir() / "verify"
    table_name = table_name or "nb101"
    if args.cells and "|" in args.cells and "~" in args.cells and not table_name.startswith("nb201/"):
        raise UserError(f"--cells {args.cells!r} reads as NB201 cells but the table is {table_name}; "
                        "add --table nb201/cifar10 (or nb201/cifar100)")
    table = get_benchmark(table_name)
    nb201 = is_nb201(table)
    if not nb201 and not (hasattr(table, "cell_of_row") and hasattr(table, "has_key")):
        raise UserError(f"--table {table_name} is neither an NB101 table nor an NB201 dataset; use nb101, "
                        "nb101:PATH, nb201/cifar10 or nb201/cifar100")
    if specs is None:
        if nb201:
            from benchlab.train.nb201_cells import split_cell_list

            specs = split_cell_list(args.cells)
        else:
            specs = args.cells.split(",")
    epochs = args.epochs if args.epochs is not None else (TABLE_EPOCHS_NB201 if nb201 else 4)
    cells = resolve_cells(specs, table)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file; give a folder")
    trainer = make_trainer(args, table)

    def say(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr)

    report = verify_cells(
        cells, table, trainer, epochs=epochs, repeats=args.repeats,
        cache=ResultCache(args.cache), base_seed=args.seed, progress=say,
    )
    written = write_report(report, out)
    print(report_as_text(report))
    print(f"wrote {', '.join(str(p) for p in written)}")
    return 0
