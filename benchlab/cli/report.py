"""`benchlab report DIR`: write the report of an experiment folder from its result files."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "report",
        help="write the HTML/Markdown report of an experiment folder",
        description="Read the result files of an experiment folder (manifest.json and runs/) and write "
        "index.html, report.md, figures/ (PNG and SVG) and tables/ (CSV) into it. Runs no search.",
    )
    p.add_argument("experiment", type=Path, metavar="DIR", help="experiment folder written by `benchlab compare`")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the path of index.html")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from benchlab.analysis.report import write_report

    index = write_report(args.experiment, quiet=args.quiet)
    print(index)
    return 0
