"""Errors a user can cause and fix.

Every `UserError` carries a one-line message that names the problem and the fix. The CLI
prints it without a traceback and exits with code 2; library callers can catch it.
"""


class UserError(Exception):
    """A problem with the user's input (file, name, spec, config), not a bug."""

    exit_code = 2


class InvalidArchitectureError(UserError, ValueError):
    """An architecture breaks a rule of its search space; the message names the rule."""


class UnknownNameError(UserError, KeyError):
    """An unknown benchmark, strategy or option name."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class DataError(UserError):
    """A data file is missing, corrupt or of the wrong kind."""


class ConfigError(UserError):
    """An experiment configuration is malformed."""


class LimitError(ConfigError):
    """An experiment asks for more than the documented upper limits allow."""


#: a quoted value longer than this is cut in messages (a 100,000-character architecture, say)
_LONGEST_QUOTED = 80


def cut_long_values(message: str, limit: int = _LONGEST_QUOTED) -> str:
    """`message` with every quoted value over `limit` characters cut to its start and its length.

    Keeps a message one readable line whatever the user passed in, and keeps its fix visible.
    """
    import re

    def cut(match: re.Match) -> str:
        quote, body = match.group(1), match.group(2)
        return f"{quote}{body[: limit // 2]}...{quote} ({len(body):,} characters)"

    # a quote opens a value only after a non-word character and closes it before one ("it's" is no quote)
    return re.sub(r"""(?<!\w)(['"])((?:(?!\1)[^\n]){%d,})\1(?!\w)""" % (limit + 1), cut, message)


class ConformanceError(UserError, AssertionError):
    """A user's strategy, space or benchmark breaks its contract (`benchlab.testing`); the
    message names the class, the broken rule and where the contract is described."""
