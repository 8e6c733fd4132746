"""Why a run failed, in one line, and the per-run wall-clock limit.

A failed run's `error` names the exception type, what the run was doing (opening the
benchmark, building the strategy, searching) and the message, cut so that a long value
(say a 100,000-character architecture) cannot flood the terminal. A run that records no
evaluation is a failure too, with the reason: the strategy proposed nothing, or the time
budget is below the cheapest evaluation (whose cost it names).
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time

import numpy as np

from benchlab.errors import cut_long_values

_LONGEST_ERROR = 400


class RunTimeout(Exception):
    """The run used up its wall-clock limit (`--run-timeout`)."""


def one_line(exc: BaseException, stage: str) -> str:
    text = str(exc).splitlines()[0] if str(exc).strip() else "(no message)"
    text = cut_long_values(text)
    if len(text) > _LONGEST_ERROR:
        text = text[:_LONGEST_ERROR] + f"... ({len(text):,} characters)"
    return f"{type(exc).__name__} while {stage}: {text}"


def cheapest_cost(bench) -> float | None:
    """The lowest recorded evaluation cost of a tabular benchmark (None when it has no table of costs)."""
    cost = getattr(getattr(bench, "table", None), "cost", None)
    if cost is None:
        return None
    with np.errstate(all="ignore"):
        value = float(np.nanmin(np.asarray(cost)))
    return value if math.isfinite(value) else None


def no_evaluation(result, bench, budget_time: float | None) -> str:
    """The one-line error of a run that recorded nothing."""
    if result.stop_reason == "exhausted" and result.asked == 0:
        return ("NoEvaluationError: the strategy's ask() returned None at its first call (nothing to propose), "
                "so the run has no evaluation; make ask() return an architecture")
    if budget_time is not None and result.dropped:
        cheapest = cheapest_cost(bench)
        floor = f"the cheapest evaluation on {bench.name} costs {cheapest:.6g} s" if cheapest is not None else \
            "every evaluation the strategy started would finish after it"
        return (f"NoEvaluationError: the time budget of {budget_time:g} simulated seconds is below the first "
                f"evaluation's cost ({floor}); raise the budget time")
    return f"NoEvaluationError: the run recorded no evaluation (stop reason {result.stop_reason!r})"


class _Limited:
    """A strategy whose ask and tell raise `RunTimeout` once the deadline has passed."""

    def __init__(self, strategy, deadline: float, seconds: float):
        self._strategy = strategy
        self._deadline = deadline
        self._seconds = seconds
        self._told = 0

    def _check(self) -> None:
        if time.monotonic() > self._deadline:
            raise RunTimeout(timeout_message(self._seconds, self._told))

    def ask(self):
        self._check()
        return self._strategy.ask()

    def tell(self, arch, feedback) -> None:
        self._check()
        self._strategy.tell(arch, feedback)
        self._told += 1

    def __getattr__(self, name):
        return getattr(self._strategy, name)


def timeout_message(seconds: float, evaluations: int | None = None) -> str:
    after = f" after {evaluations} evaluations" if evaluations is not None else ""
    return (f"the run exceeded its wall-clock limit of {seconds:g} s{after}; raise --run-timeout "
            "(or run_timeout in the experiment file) or make the strategy faster")


@contextlib.contextmanager
def time_limit(seconds: float | None):
    """`with time_limit(s) as limited:` wrap the strategy with `limited(strategy)`.

    Between calls the wrapper checks the deadline; in a process's main thread an interval
    timer also interrupts a single call that overruns it (a strategy stuck in one `ask`).
    """
    if seconds is None:
        yield lambda strategy: strategy
        return
    deadline = time.monotonic() + seconds
    use_timer = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    if use_timer:
        def interrupt(signum, frame):
            raise RunTimeout(timeout_message(seconds))

        previous = signal.signal(signal.SIGALRM, interrupt)
        signal.setitimer(signal.ITIMER_REAL, seconds + 0.05)  # the checks between calls fire first
    try:
        yield lambda strategy: _Limited(strategy, deadline, seconds)
    finally:
        if use_timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
