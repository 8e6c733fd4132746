"""Argument types and checks that several subcommands share."""

from __future__ import annotations

from benchlab.errors import ConfigError


def names(text: str) -> list[str]:
    """A comma-separated list of names, blanks dropped (`--benchmarks a,b`)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def check_jobs(jobs: int | None) -> None:
    """`--jobs` is unset (all cores) or at least 1."""
    if jobs is not None and jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {jobs}")
