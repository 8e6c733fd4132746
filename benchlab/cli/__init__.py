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

# subcommand -> its module, in the order `benchlab --help` lists them; each module defines
# `register(subparsers)`, which adds the subcommand's parser and sets `func`
_SUBCOMMANDS = {
    "data": "benchlab.cli.data",
    "benchmarks": "benchlab.cli.benchmarks",
    "query": "benchlab.cli.query",
    "compare": "benchlab.cli.compare",
    "report": "benchlab.cli.report",
    "validate": "benchlab.cli.validate",
    "verify": "benchlab.cli.verify",
    "predictors": "benchlab.cli.predictors",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every subcommand, or of `command` alone when it names one: running a
    subcommand imports its own module only (the help and a mistyped name import them all)."""
    parser = argparse.ArgumentParser(
        prog="benchlab",
        description="Compare NAS search strategies on tabular benchmarks.",
    )
    parser.add_argument("--version", action="version", version=f"benchlab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in _SUBCOMMANDS.items():
        if command not in _SUBCOMMANDS or command == name:
            importlib.import_module(module_name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # a subcommand named first is the one run; anything else (`-h`, `--version`) sees them all
    parser = build_parser(argv[0] if argv and not argv[0].startswith("-") else None)
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
