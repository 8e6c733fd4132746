"""Reading an experiment file: the TOML itself, unknown keys and the plain fields (labels,
whole numbers, lists of names), each failure one `ConfigError` line naming the file."""

from __future__ import annotations

import re
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from benchlab.errors import ConfigError

#: an experiment name or a strategy label: a plain word
LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"experiment file {path} does not exist; check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read experiment file {path} ({exc}); check the path and permissions") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"experiment file {path} is not valid TOML ({exc}); fix the syntax") from None


def check_keys(table: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; allowed keys are {', '.join(sorted(allowed))}")


def whole_number(value, what: str, source: Path, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{source}: {what} must be a whole number, got {value!r}")
    if value < minimum:
        raise ConfigError(f"{source}: {what} must be at least {minimum}, got {value}")
    return value


def name_list(value, what: str, source: Path) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{source}: {what} must be a list of names, e.g. [\"nb201/cifar10\"]")
    return value
