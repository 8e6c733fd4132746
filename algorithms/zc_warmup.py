"""Zero-cost warm-up (Abdelfattah et al. 2021): regularized evolution or local search whose
first architectures are the best, by a zero-cost proxy, of a random sample scored without
any query."""

from __future__ import annotations

import inspect

import numpy as np

from algorithms.base import Feedback, Strategy
from algorithms.hyperparameters import Interval, Options, check_hyperparameters
from benchlab.spaces.base import SearchSpace

PROXY_COSTS = ("measured", "free")


class _RankedFirst:
    """The space, except that `sample` hands out the given architectures first (in order)."""

    def __init__(self, space: SearchSpace, ranked: list):
        self._space = space
        self._ranked = list(reversed(ranked))

    def sample(self, rng: np.random.Generator):
        return self._ranked.pop() if self._ranked else self._space.sample(rng)

    def __getattr__(self, name):
        return getattr(self._space, name)


class ZeroCostWarmup(Strategy):
    """Score `n_scored` distinct random cells with the zero-cost `proxy` (PyTorch, the train
    extra; networks built for `num_classes` classes at `resolution` px, the data-dependent
    proxies' batch from `proxy_data`, see benchlab.train.proxies), then run `search` ("re":
    regularized evolution, "ls": local search, with `search_params`) whose random samples are
    replaced by the scored cells, best first, while they last: the first `n_warm` (default:
    RE's population size; for LS every scored cell) fill RE's initial population or give LS
    its start and restart points.

    Proxy cost on the simulated clock (`proxy_cost`): "measured" (default) charges the CPU
    seconds the scoring took (recorded with each cached score, so a cached run is charged
    what the computation cost) before the first evaluation starts; "free" charges nothing;
    a number charges that many seconds per scored cell. The scoring happens at the first
    `ask()` and uses the proxy cache, so repeated runs score each cell once.
    """

    hyperparameter_constraints = {
        "search": Options("re", "ls"),
        "search_params": [dict, None],
        "proxy": str,
        "n_scored": Interval(int, 1),
        "n_warm": [Interval(int, 1), None],
        "num_classes": Interval(int, 2),
        "resolution": Interval(int, 1),
        "proxy_data": str,
        "proxy_cost": [Options(*PROXY_COSTS), Interval(float, 0)],
    }

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        *,
        search: str = "re",
        search_params: dict | None = None,
        proxy: str = "synflow",
        n_scored: int = 1000,
        n_warm: int | None = None,
        num_classes: int = 10,
        resolution: int = 32,
        proxy_data: str = "cifar10",
        proxy_cost: str | float = "measured",
        dedupe: bool = False,
    ):
        check_hyperparameters(type(self), locals())
        super().__init__(space, rng, dedupe=dedupe)
        if search not in ("re", "ls"):
            raise ValueError(f"search must be 're' or 'ls', got {search!r}")
        if n_scored < 1 or (n_warm is not None and not 1 <= n_warm <= n_scored):
            raise ValueError("need n_scored >= 1 and 1 <= n_warm <= n_scored")
        if not (proxy_cost in PROXY_COSTS or (isinstance(proxy_cost, (int, float)) and proxy_cost >= 0)):
            raise ValueError(f"proxy_cost must be 'measured', 'free' or seconds per cell >= 0, got {proxy_cost!r}")
        from algorithms import load_strategy

        self.search, self.search_params = search, search_params
        self.proxy, self.n_scored, self.n_warm = proxy, int(n_scored), n_warm
        self.num_classes, self.resolution = int(num_classes), int(resolution)
        self.proxy_data, self.proxy_cost = proxy_data, proxy_cost
        self._search_cls = load_strategy(search)
        self._inner: Strategy | None = None
        self._charge = 0.0
        self.proxy_seconds = 0.0  # CPU seconds the scoring took (measured or cached)

    def _warm_start(self) -> Strategy:
        from benchlab.train.proxies.scoring import ProxyScorer

        scorer = ProxyScorer(self.space, self.proxy, num_classes=self.num_classes, resolution=self.resolution,
                             data=self.proxy_data)
        cells, keys = [], set()
        limit = self.space.size or np.inf
        while len(cells) < min(self.n_scored, limit):
            arch = self.space.sample(self.rng)
            if (key := self.key_of(arch)) not in keys:
                keys.add(key)
                cells.append(arch)
        scores, seconds = scorer.score(cells)
        self.proxy_seconds = float(np.sum(seconds))
        if self.proxy_cost == "measured":
            self._charge += self.proxy_seconds
        elif self.proxy_cost != "free":
            self._charge += float(self.proxy_cost) * len(cells)
        order = np.argsort(-np.nan_to_num(scores, nan=-np.inf), kind="stable")
        ranked = [cells[i] for i in order[: self.n_warm or self._default_warm(len(cells))]]
        return self._search_cls(_RankedFirst(self.space, ranked), self.rng, **(self.search_params or {}))

    def _default_warm(self, n_cells: int) -> int:
        if self.search == "re":  # RE's initial population
            default = inspect.signature(self._search_cls.__init__).parameters["population_size"].default
            return min(n_cells, int((self.search_params or {}).get("population_size", default)))
        return n_cells

    def take_charged_seconds(self) -> float:
        """Seconds of the strategy's own computation to charge to the simulated clock (the
        simulator calls this after every ask); returns them once."""
        charge, self._charge = self._charge, 0.0
        return charge

    def _ask(self):
        if self._inner is None:
            self._inner = self._warm_start()
        return self._inner.ask()

    def _tell(self, arch, feedback: Feedback) -> None:
        if self._inner is None:
            self._inner = self._warm_start()
        self._inner.tell(arch, feedback)
