"""Strategies and experiment files for harness tests (importable by worker processes)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path

from algorithms.random_search import RandomSearch

TOY = "tests.toy:make_toy_benchmark"
TOY_NO_TEST = "tests.harness.helpers:toy_without_test"


def toy_without_test():
    from tests.toy import make_toy_benchmark

    return make_toy_benchmark(seed=1, with_test=False)


def toy_with_too_large_a_space():
    """A benchmark whose space samples architectures its table lacks (fails check_benchmark)."""
    from benchlab.benchmarks.tabular import TabularBenchmark
    from tests.toy import make_toy_benchmark, make_toy_space

    return TabularBenchmark("toy-broken", make_toy_space(n_choices=6), make_toy_benchmark().table)


class FailingSearch(RandomSearch):
    """Random search that raises on its `fail_at`-th ask."""

    def __init__(self, space, rng, *, fail_at: int = 3):
        super().__init__(space, rng)
        self.fail_at = fail_at
        self._asks = 0

    def _ask(self):
        self._asks += 1
        if self._asks == self.fail_at:
            raise RuntimeError("deliberate failure for a test")
        return super()._ask()


class OffTheGrid(RandomSearch):
    """Proposes an architecture outside the toy space (fails check_strategy)."""

    def _ask(self):
        return (9, 9, 9, 9)


class SlowSearch(RandomSearch):
    """Random search that takes `delay` wall seconds per ask (to interrupt experiments mid-way)."""

    def __init__(self, space, rng, *, delay: float = 0.01):
        super().__init__(space, rng)
        self.delay = delay

    def _ask(self):
        time.sleep(self.delay)
        return super()._ask()


def _in_worker() -> bool:
    """True in a worker process (the experiment is checked, and strategies built once, in the parent)."""
    return multiprocessing.parent_process() is not None


class KillsItsWorkerOnce(RandomSearch):
    """The first run that builds this strategy SIGKILLs its own worker process (a dying worker)."""

    def __init__(self, space, rng, *, marker: str = ""):
        super().__init__(space, rng)
        self.marker = marker
        if not _in_worker():
            return
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.close(fd)
        os.kill(os.getpid(), signal.SIGKILL)


class AlwaysKillsItsWorker(RandomSearch):
    """Every run that builds this strategy SIGKILLs its own worker process."""

    def __init__(self, space, rng):
        super().__init__(space, rng)
        if _in_worker():
            os.kill(os.getpid(), signal.SIGKILL)


def write_config(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def toy_config(tmp_path: Path, *, seeds: int = 3, queries: int = 20, strategies: str = "", extra: str = "") -> Path:
    strategies = strategies or '[strategies.rs]\nname = "rs"\n[strategies.rs-dedupe]\nname = "rs"\nhyperparameters = { dedupe = true }\n'
    return write_config(
        tmp_path / "experiment.toml",
        f'name = "toy-exp"\nseed = 7\nseeds = {seeds}\nbenchmarks = ["{TOY}", "{TOY_NO_TEST}"]\n{extra}\n'
        f"[budget]\nqueries = {queries}\n\n{strategies}",
    )
