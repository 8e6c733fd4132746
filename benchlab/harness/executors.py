"""Where runs execute: in this process, in local worker processes, or on a Dask cluster.

Each executor takes picklable `RunTask`s and yields `RunOutcome`s as they complete; the
caller writes the files. Dask is an optional extra, imported only when asked for.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from benchlab.errors import UserError
from benchlab.harness.tasks import RunOutcome, RunTask, execute
from benchlab.processes import default_jobs, fork_pool

__all__ = ["DaskExecutor", "default_jobs", "run_in_process", "run_in_processes"]

#: how long to try reaching a Dask scheduler before giving up
DASK_CONNECT_TIMEOUT = "15s"


def run_in_process(tasks: Iterable[RunTask]) -> Iterator[RunOutcome]:
    for task in tasks:
        yield execute(task)


def run_in_processes(tasks: list[RunTask], jobs: int) -> Iterator[RunOutcome]:
    """Submit every task to `jobs` local processes now; iterate the result for outcomes as they complete."""
    # Forked workers inherit the benchmarks the parent already opened while validating the
    # experiment. Submitting here, before the caller starts its progress bar (a thread),
    # keeps the fork free of other threads. Each worker ends when this process dies.
    pool = fork_pool(jobs, initializer=exit_with_parent, initargs=(os.getpid(),))
    futures = [pool.submit(execute, task) for task in tasks]
    return _completed(pool, futures)


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def exit_with_parent(parent_pid: int) -> None:
    """Make this worker process end when the process that started it dies (even by SIGKILL).

    Linux: the kernel sends SIGKILL on the parent's death (prctl PR_SET_PDEATHSIG). Elsewhere
    a daemon thread polls the parent id once a second. Either way no worker is left blocked
    forever under PID 1.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent_pid:  # the parent died before the call took effect
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="benchlab-parent-watch", daemon=True).start()


def _completed(pool: ProcessPoolExecutor, futures: list) -> Iterator[RunOutcome]:
    try:
        for future in as_completed(futures):
            yield future.result()
    except BrokenProcessPool:
        raise UserError("a worker process died (out of memory or killed); run the same command again to resume") from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


_SCHEDULER = re.compile(r"^(?:(?:tcp|tls|ucx|ws|wss|inproc)://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$")


def check_scheduler_address(address: str) -> None:
    """Refuse an address that is not PROTOCOL://HOST:PORT before trying to connect."""
    if not _SCHEDULER.match(address or ""):
        raise UserError(f"--scheduler {address!r} is not a Dask scheduler address; write it as tcp://HOST:PORT "
                        "(e.g. tcp://10.0.0.5:8786)")


class DaskExecutor:
    """Runs tasks on the Dask scheduler at `scheduler`, or on a LocalCluster of `dask_local` processes.

    Connecting happens in the constructor, so an unreachable scheduler or a missing Dask
    install is reported before the experiment writes anything.
    """

    def __init__(self, *, scheduler: str | None = None, dask_local: int | None = None):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise UserError("Dask is not installed; install the extra with `pip install 'benchlab[dask]'`") from None
        self.cluster = None
        if scheduler:
            check_scheduler_address(scheduler)
            try:
                self.client = Client(scheduler, timeout=DASK_CONNECT_TIMEOUT)
            except Exception as exc:  # distributed raises OSError, TimeoutError, ValueError, TypeError...
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise UserError(f"cannot reach the Dask scheduler at {scheduler} ({reason}); check the address") from None
        else:
            self.cluster = LocalCluster(
                n_workers=dask_local or default_jobs(), threads_per_worker=1, processes=True, dashboard_address=None
            )
            self.client = Client(self.cluster)

    def run(self, tasks: list[RunTask]) -> Iterator[RunOutcome]:
        from distributed import as_completed as dask_as_completed

        futures, task_of = [], {}
        for task in tasks:
            # no `retries`: execute() turns every exception into a failed outcome, so Dask never
            # sees a task raise; a dead worker's tasks Dask reschedules by itself
            future = self.client.submit(execute, task, key=f"benchlab-run-{task.settings_hash}", pure=False)
            futures.append(future)
            task_of[future.key] = task
        for future in dask_as_completed(futures):
            try:
                outcome = future.result()
            except Exception as exc:  # e.g. KilledWorker: the run took down workers again and again
                outcome = RunOutcome(task_of[future.key], False, error=f"{type(exc).__name__}: {exc}".splitlines()[0],
                                     traceback=traceback.format_exc())
            future.release()
            yield outcome

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
