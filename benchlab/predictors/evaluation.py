"""How well do predictors rank cells? The predictor benchmark behind `benchlab predictors`.

For a benchmark, every seed draws a held-out test set of `sample` cells and, from the other
cells, nested training sets of each size n (the first n of one random order, so a larger
set contains the smaller ones); each model predictor is fitted on a training set and ranks
the test set. Zero-cost proxies are not fitted: they score one sample of `sample` cells (the
first seed's test set), and their intervals come from resampling those cells. The target
is each cell's mean validation score over the recorded repeats at the full budget.

Measures: Spearman's rho and Kendall's tau-b (scipy.stats) between predictions and
targets, and precision at the top 1% / 5%: the fraction of the truly best k test cells
(k = 1% / 5% of the test set, at least 1) that are among the k best predicted. Intervals
(95%) are bootstrap intervals of the mean over seeds (`benchlab.analysis.stats`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import kendalltau, spearmanr

from benchlab.errors import ConfigError

TRAIN_SIZES = (10, 20, 50, 100, 200, 500)
MEASURES = ("spearman", "kendall", "precision_top1", "precision_top5")
COLUMNS = ("benchmark", "predictor", "n_train", "n_test", *MEASURES)
PROXY_RESAMPLES = 200


@dataclass(frozen=True)
class Settings:
    train_sizes: tuple[int, ...] = TRAIN_SIZES
    sample: int = 1000
    seeds: int = 5
    base_seed: int = 0
    proxy_data: str = "cifar10"
    proxy_batch: int = 64


def ranking_measures(predicted: np.ndarray, target: np.ndarray) -> dict[str, float]:
    finite = np.array(predicted, dtype=float)
    bad = ~np.isfinite(finite)  # e.g. jacob_cov's -inf for a cell without signal: ranked last
    if bad.any():
        finite[bad] = finite[~bad].min() - 1 if (~bad).any() else 0.0
    out = {
        "spearman": float(spearmanr(finite, target).statistic) if np.ptp(finite) > 0 else math.nan,
        "kendall": float(kendalltau(finite, target).statistic) if np.ptp(finite) > 0 else math.nan,
    }
    for label, fraction in (("precision_top1", 0.01), ("precision_top5", 0.05)):
        k = max(1, round(fraction * len(target)))
        best = set(np.argsort(-target, kind="stable")[:k].tolist())
        picked = np.argsort(-finite, kind="stable")[:k]
        out[label] = len(best.intersection(picked.tolist())) / k
    return out


def cells_of(benchmark) -> tuple[list, np.ndarray]:
    """Every cell of a tabular benchmark with a recorded full-budget score, and that score."""
    keys = benchmark.table.keys.tolist()
    target = np.asarray(benchmark.valid_mean[:, -1], dtype=float)
    keep = np.flatnonzero(np.isfinite(target))
    return [benchmark.space.parse(keys[i]) for i in keep], target[keep]


def check_sizes(benchmark_name: str, n_cells: int, settings: Settings) -> None:
    largest = max(settings.train_sizes)
    if settings.sample < 10:
        raise ConfigError(f"--sample must be at least 10 cells, got {settings.sample}")
    if largest + settings.sample > n_cells:
        raise ConfigError(
            f"{benchmark_name} has {n_cells} cells with a score, fewer than the largest training set ({largest}) "
            f"plus the test sample ({settings.sample}); lower --train-sizes or --sample"
        )


def evaluate_predictors(benchmark_name: str, benchmark, names: Sequence[str], settings: Settings,
                        progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """One row per (predictor, n_train, seed) with the measures."""
    from benchlab.predictors import load_predictor

    archs, target = cells_of(benchmark)
    check_sizes(benchmark_name, len(archs), settings)
    encoded: dict[str, np.ndarray] = {}
    rows = []
    for seed in range(settings.seeds):
        order = np.random.default_rng([settings.base_seed, seed]).permutation(len(archs))
        test, pool = order[: settings.sample], order[settings.sample :]
        for name in names:
            cls = load_predictor(name)
            for n_train in settings.train_sizes:
                if progress:
                    progress(f"{benchmark_name}: {name} n={n_train} seed {seed + 1}/{settings.seeds}")
                rng = np.random.default_rng([settings.base_seed, seed, n_train, _stable(name)])
                predictor = cls(benchmark.space, rng)
                if predictor.encoding not in encoded:
                    encoded[predictor.encoding] = predictor.encode(archs)
                X = encoded[predictor.encoding]
                train = pool[:n_train]
                predictor.fit(X[train], target[train])
                mean, _ = predictor.predict(X[test])
                rows.append({"benchmark": benchmark_name, "predictor": name, "n_train": n_train,
                             "n_test": len(test), "seed": seed, **ranking_measures(mean, target[test])})
    return pd.DataFrame(rows)


def evaluate_proxies(benchmark_name: str, benchmark, scorers: dict, settings: Settings) -> pd.DataFrame:
    """One row per proxy (scorers from `proxy_scorers`): the measures over the sample, and
    bootstrap intervals over its cells."""
    archs, target = cells_of(benchmark)
    sample = np.random.default_rng([settings.base_seed, 0]).permutation(len(archs))[: settings.sample]
    rows = []
    for name, scorer in scorers.items():
        scores, seconds = scorer.score([archs[i] for i in sample])
        row = {"benchmark": benchmark_name, "predictor": name, "n_train": None, "n_test": len(sample),
               **ranking_measures(scores, target[sample]), "cpu_s_per_cell": float(np.mean(seconds))}
        rng = np.random.default_rng([settings.base_seed, _stable(name)])
        resampled = [ranking_measures(scores[idx], target[sample][idx])
                     for idx in rng.integers(len(sample), size=(PROXY_RESAMPLES, len(sample)))]
        for measure in MEASURES:
            values = np.array([r[measure] for r in resampled])
            row[f"{measure}_low"], row[f"{measure}_high"] = (float(np.nanpercentile(values, 2.5)),
                                                              float(np.nanpercentile(values, 97.5)))
        rows.append(row)
    return pd.DataFrame(rows)


def proxy_scorers(benchmark_name: str, benchmark, names: Sequence[str], settings: Settings,
                  progress: bool = False) -> dict:
    """A scorer per proxy, with everything checked (torch, network, data) before any scoring."""
    if not names:
        return {}
    try:
        import torch  # noqa: F401
    except ImportError:
        from benchlab.errors import UserError

        raise UserError("zero-cost proxies need PyTorch; install the training extra: pip install benchlab[train]") from None
    from benchlab.train.proxies.scoring import ProxyScorer, network_target

    classes, resolution = network_target(benchmark_name)
    scorers = {name: ProxyScorer(benchmark.space, name, num_classes=classes, resolution=resolution,
                                 data=settings.proxy_data, batch_size=settings.proxy_batch,
                                 seed=settings.base_seed, progress=progress) for name in names}
    for scorer in scorers.values():
        if scorer.needs_data:
            scorer.batch()  # a missing data source fails here, before any work
    return scorers


def summarise(per_seed: pd.DataFrame, proxies: pd.DataFrame) -> pd.DataFrame:
    """Means over seeds with bootstrap intervals, predictors first, then proxies."""
    from benchlab.analysis.stats import bootstrap_ci

    rows = []
    if len(per_seed):
        for (bench, name, n_train), group in per_seed.groupby(["benchmark", "predictor", "n_train"], sort=False):
            row = {"benchmark": bench, "predictor": name, "n_train": int(n_train), "n_test": int(group["n_test"].iloc[0]),
                   "seeds": len(group)}
            for measure in MEASURES:
                row[measure] = float(group[measure].mean())
                row[f"{measure}_low"], row[f"{measure}_high"] = bootstrap_ci(
                    group[measure].to_numpy(), n_resamples=1000, rng=np.random.default_rng(0))
            rows.append(row)
    frame = pd.DataFrame(rows)
    if len(proxies):
        frame = pd.concat([frame, proxies.assign(seeds=1)], ignore_index=True)
    return frame


def _stable(name: str) -> int:
    """A seed component from a name that does not change between processes (unlike hash())."""
    import zlib

    return zlib.crc32(name.encode())
