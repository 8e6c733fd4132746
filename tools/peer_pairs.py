"""Side-by-side timing of benchlab against a peer library, pair by pair and alternating.

For each seed the peer's search and benchlab's run back to back (the order alternating
from seed to seed), so both see the same machine state; the figures are the per-seed
ratio peer / benchlab (its minimum and median) and the final quality of both sides with
a two-sided Mann-Whitney test. Quality is the mean validation score (over the recorded
repeats) of the architecture with the best observed score, as benchlab's simulator scores
its incumbent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.stats import mannwhitneyu

#: a search: seed -> final incumbent quality (mean validation score)
Search = Callable[[int], float]


@dataclass(frozen=True)
class PairResult:
    what: str
    ours: str
    peer: str
    ours_seconds: np.ndarray
    peer_seconds: np.ndarray
    ours_final: np.ndarray
    peer_final: np.ndarray

    @property
    def has_quality(self) -> bool:
        """False for timings without a search result (lookups)."""
        return bool(np.any(np.isfinite(self.ours_final)))

    @property
    def ratios(self) -> np.ndarray:
        return self.peer_seconds / self.ours_seconds

    @property
    def p_value(self) -> float:
        if np.all(self.ours_final == self.peer_final):
            return 1.0
        return float(mannwhitneyu(self.ours_final, self.peer_final, alternative="two-sided").pvalue)


def timed(search: Search, seed: int) -> tuple[float, float]:
    started = time.perf_counter()
    final = search(seed)
    return time.perf_counter() - started, final


def run_pair(what: str, ours: tuple[str, Search], peer: tuple[str, Search], seeds: int) -> PairResult:
    """Both searches for seeds 0..seeds-1, alternating which goes first."""
    rows = []
    for seed in range(seeds):
        if seed % 2 == 0:
            o, p = timed(ours[1], seed), timed(peer[1], seed)
        else:
            p, o = timed(peer[1], seed), timed(ours[1], seed)
        rows.append((o, p))
    arr = np.array([[o[0], p[0], o[1], p[1]] for o, p in rows])
    return PairResult(what, ours[0], peer[0], arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3])


def format_pairs(results: list[PairResult], optimum: float) -> str:
    lines = [
        "| what | benchlab | peer | s per search benchlab / peer (median) | ratio peer/benchlab min / median | "
        "mean regret benchlab / peer | Mann-Whitney p |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        quality = (f"{optimum - r.ours_final.mean():.5f} / {optimum - r.peer_final.mean():.5f} | {r.p_value:.2f}"
                   if r.has_quality else "- | -")
        lines.append(
            f"| {r.what} | {r.ours} | {r.peer} | {_seconds(np.median(r.ours_seconds))} / {_seconds(np.median(r.peer_seconds))} | "
            f"{r.ratios.min():,.1f} / {np.median(r.ratios):,.1f} | {quality} |"
        )
    return "\n".join(lines)


def _seconds(value: float) -> str:
    return f"{value * 1e6:.2f} µs" if value < 1e-3 else f"{value * 1e3:.1f} ms" if value < 1 else f"{value:.2f} s"
