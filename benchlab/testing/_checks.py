"""What every check of the kit shares: one-line failures that name the class and the rule."""

from __future__ import annotations

import random
from contextlib import contextmanager

import numpy as np

from benchlab.errors import ConformanceError


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Checker:
    """Raises `ConformanceError`s about one subject, e.g. "strategy MySearch"."""

    def __init__(self, subject: str, page: str):
        self.subject = subject
        self.page = page  # where the contract is described, named in every message

    def error(self, problem: str) -> ConformanceError:
        return ConformanceError(f"{self.subject} breaks the contract: {_one_line(problem, 400)} (see {self.page})")

    def require(self, condition, problem: str) -> None:
        if not condition:
            raise self.error(problem)

    def rejects(self, call: str, attempt, error: type, fix: str) -> None:
        """`attempt()` (the subject's `call`) must raise `error`; `fix` says how, in the message."""
        try:
            attempt()
        except error:
            return
        except Exception as exc:
            raise self.error(f"{call} raised {type(exc).__name__}; {fix}") from exc
        raise self.error(f"{call} accepted it; {fix}")

    @contextmanager
    def calling(self, call: str):
        """Report an exception from the subject's own code as the call that raised it."""
        try:
            yield
        except ConformanceError:
            raise
        except Exception as exc:
            raise self.error(f"{call} raised {type(exc).__name__}: {_one_line(exc)}") from exc


@contextmanager
def global_random_state_kept(check: Checker, what: str):
    """Fail when the code inside draws from Python's or numpy's global random state.

    The states are compared before and after, so another thread drawing meanwhile (a Dask
    worker's own machinery, say) would be blamed: the kit runs where the caller runs, in
    the command's own process before any worker starts.
    """
    python_state, numpy_state = random.getstate(), np.random.get_state()
    yield
    numpy_after = np.random.get_state()
    same_numpy = numpy_state[0] == numpy_after[0] and np.array_equal(numpy_state[1], numpy_after[1]) \
        and numpy_state[2:] == numpy_after[2:]
    check.require(random.getstate() == python_state and same_numpy,
                  f"{what} used the global random state (random or numpy.random); draw only from the "
                  "numpy.random.Generator passed in")
