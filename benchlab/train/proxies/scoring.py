"""Score cells of a space with a zero-cost proxy: network per cell, cache, progress, CPU time.

`ProxyScorer(space, proxy, ...)` builds each cell's untrained network (initialised from a
seed derived from the cell's key and `seed`, so a cell's score does not depend on which
other cells are scored or in what order), applies the measure and records the score and
the CPU seconds it took (`time.process_time`: network construction included, as a search
would pay it). Scores come from the cache when present.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from benchlab.errors import ConfigError, UnknownNameError
from benchlab.paths import data_dir
from benchlab.train.proxies.cache import ProxyCache
from benchlab.train.proxies.measures import DATA_DEPENDENT, MEASURES, NAMES, WITHOUT_BATCH_NORM
from benchlab.train.proxies.sources import DEFAULT_SOURCE, proxy_batch

#: (classes, input resolution) of each benchmark's network
NETWORK_TARGETS = {
    "nb201/cifar10": (10, 32),
    "nb201/cifar100": (100, 32),
    "nb201/imagenet16-120": (120, 16),
}
#: cells scored between two saves of the cache
SAVE_EVERY = 25


def network_target(benchmark_name: str) -> tuple[int, int]:
    try:
        return NETWORK_TARGETS[benchmark_name]
    except KeyError:
        raise ConfigError(
            f"zero-cost proxies need the benchmark's network in PyTorch, which benchlab has for "
            f"{', '.join(NETWORK_TARGETS)}; {benchmark_name!r} is not one of them"
        ) from None


def build_network(space, arch, num_classes: int, *, batch_norm: bool = True) -> torch.nn.Module:
    if getattr(space, "name", "") == "nb201":
        from benchlab.train.nb201_network import NB201Network

        return NB201Network(arch, num_classes, batch_norm=batch_norm)
    raise ConfigError(f"zero-cost proxies need a network for the space {space.name!r}; benchlab has one for nb201")


class ProxyScorer:
    def __init__(
        self,
        space,
        proxy: str,
        *,
        num_classes: int = 10,
        resolution: int = 32,
        data: str = DEFAULT_SOURCE,
        batch_size: int = 64,
        seed: int = 0,
        cache: str | Path | None = "default",
        progress: bool = False,
        threads: int = 1,
    ):
        if proxy not in MEASURES:
            raise UnknownNameError(f"unknown zero-cost proxy {proxy!r}; use one of {', '.join(NAMES)}")
        if getattr(space, "name", "") != "nb201":
            build_network(space, None, num_classes)  # raises the message naming what exists
        self.space, self.proxy = space, proxy
        self.num_classes, self.resolution = int(num_classes), int(resolution)
        self.data, self.batch_size, self.seed = data, int(batch_size), int(seed)
        self.progress, self.threads = progress, int(threads)
        self.needs_data = proxy in DATA_DEPENDENT
        self.setting = f"{proxy}|seed={seed}" + (f"|data={data}|batch={batch_size}" if self.needs_data else "")
        if cache == "default":
            cache = data_dir() / "proxies" / f"{space.name}-c{num_classes}-r{resolution}.json"
        self.cache = ProxyCache(cache) if cache is not None else None
        self._batch = None

    def batch(self):
        """The data-dependent proxies' batch (read once; raises a clear error when absent)."""
        if self._batch is None:
            self._batch = proxy_batch(self.data, batch_size=self.batch_size, resolution=self.resolution,
                                      num_classes=self.num_classes, seed=self.seed)
        return self._batch

    def score_one(self, arch) -> tuple[float, float]:
        """(score, CPU seconds) of one cell, computed afresh."""
        measure = MEASURES[self.proxy]
        argument = self.batch() if self.needs_data else (3, self.resolution, self.resolution)
        key = self.space.key(arch)
        # One torch thread by default: a batch-1 NB201 network gains nothing from more, and on
        # a loaded machine two threads made synflow 10x slower (threads spinning for a core).
        # torch's thread count is process-wide, so it is restored afterwards.
        threads = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            start = time.process_time()
            with torch.random.fork_rng(devices=[]):  # the network's init leaves torch's global RNG as it was
                torch.manual_seed(zlib.crc32(f"{key}|{self.seed}".encode()))
                network = build_network(self.space, arch, self.num_classes,
                                        batch_norm=self.proxy not in WITHOUT_BATCH_NORM)
            score = measure(network, argument)
            return score, time.process_time() - start
        finally:
            torch.set_num_threads(threads)

    def score(self, archs: Sequence) -> tuple[np.ndarray, np.ndarray]:
        """Scores and CPU seconds of `archs` (cached ones read, the rest computed and cached)."""
        scores, seconds = np.empty(len(archs)), np.empty(len(archs))
        todo = []
        for i, arch in enumerate(archs):
            hit = self.cache.get(self.setting, self.space.key(arch)) if self.cache else None
            if hit is None:
                todo.append(i)
            else:
                scores[i], seconds[i] = hit
        if todo and self.needs_data:
            self.batch()  # fail before any work when the data is absent
        bar = _progress(len(todo), f"{self.proxy} ({self.space.name})") if self.progress and todo else None
        try:
            for done, i in enumerate(todo, start=1):
                scores[i], seconds[i] = self.score_one(archs[i])
                if self.cache:
                    self.cache.put(self.setting, self.space.key(archs[i]), scores[i], seconds[i])
                    if done % SAVE_EVERY == 0:
                        self.cache.save()
                if bar:
                    bar.update()
        finally:
            if bar:
                bar.close()
            if self.cache and todo:
                self.cache.save()  # what was scored before an interruption is kept
        return scores, seconds


def _progress(total: int, label: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="cell", leave=False)
