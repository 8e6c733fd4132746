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


class ConformanceError(UserError, AssertionError):
    """A user's strategy, space or benchmark breaks its contract (`benchlab.testing`); the
    message names the class, the broken rule and where the contract is described."""
