"""Local worker processes: how many cores this process may use, and the process pool.

Both the experiment harness and the NB101 converter fan work out to processes; they share
this one pool so that the start method is chosen in one place.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor


def default_jobs() -> int:
    """The cores this process may run on (all of them where the platform cannot tell)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def fork_pool(jobs: int, **pool_options) -> ProcessPoolExecutor:
    """A pool of `jobs` processes, forked where the platform has fork.

    Forked workers start at once, need no `if __name__ == "__main__"` guard in the caller's
    script, and inherit what the parent already holds (opened benchmarks, a built table)
    copy-on-write instead of reading it again. `pool_options` go to ProcessPoolExecutor.
    """
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context, **pool_options)
