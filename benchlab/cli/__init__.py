"""The `benchlab` command: one entry point, a subcommand per task.

User errors (`benchlab.errors.UserError`) end in one line on stderr and exit code 2, with
no traceback; each subcommand is responsible for leaving no partial output behind.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from benchlab import __version__
from benchlab.errors import UserError, cut_long_values

# Each module defines `register(subparsers)`, which adds its parser and sets `func`.
_SUBCOMMANDS = (
    "benchlab.cli.data",
    "benchlab.cli.benchmarks",
    "benchlab.cli.query",
    "benchlab.cli.compare",
    "benchlab.cli.report",
    "benchlab.cli.validate",
    "benchlab.cli.verify",
    "benchlab.cli.predictors",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="benchlab",
        description="Compare NAS search strategies on tabular benchmarks.",
    )
    parser.add_argument("--version", action="version", version=f"benchlab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in _SUBCOMMANDS:
        importlib.import_module(module_name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        result = args.func(args)
    except UserError as exc:
        print(f"benchlab: error: {one_line(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # a disk or permission problem no earlier check could foresee
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"benchlab: error: {where}{exc.strerror or exc}; check the path, its permissions and the free space, "
              "then run the same command again", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("benchlab: interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


def one_line(message: str) -> str:
    """A message as one line, with any long value the user passed in cut short."""
    return " ".join(cut_long_values(message).split("\n"))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
