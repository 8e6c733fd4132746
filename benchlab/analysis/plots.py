"""Figures: they only draw arrays computed in `performance` (no statistics here).

Per-benchmark curves show the median over seeds with the interquartile range as the band.
The figures are plain `matplotlib.figure.Figure` objects, not pyplot figures: importing
this module selects no backend (a notebook keeps its own), no display is needed, and
`Figure.savefig` renders each file format with that format's own canvas.
"""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib import ticker
from matplotlib.figure import Figure

from benchlab.analysis import ranks

# Fixed margins rather than constrained layout: the layout engine made saving several times slower.
_MARGINS = {"left": 0.09, "right": 0.98, "bottom": 0.13, "top": 0.91}
_STYLE = {"figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3, "font.size": 9, "svg.fonttype": "none"}


def colours(strategies) -> dict[str, tuple]:
    """One fixed colour per strategy, the same in every figure."""
    cmap = matplotlib.colormaps["tab10"]
    return {s: cmap(i % 10) for i, s in enumerate(strategies)}


def log_floor(arrays) -> float:
    """Where zero regret is drawn on a log axis: a decade below the smallest positive value."""
    positive = [a[a > 0].min() for a in arrays if np.any(a > 0)]
    return float(min(positive)) / 10 if positive else 1e-6


_PLAIN = ticker.FuncFormatter(lambda value, _: f"{value:g}")


def _plain_log_labels(ax) -> None:
    """Label log axes as 0.001 / 1e-05 instead of mathtext powers, without minor ticks.

    Mathtext labels and the many minor-tick artists of log axes dominated drawing time.
    """
    ax.minorticks_off()
    for axis in (ax.xaxis, ax.yaxis):
        if axis.get_scale() == "log":
            axis.set_major_locator(ticker.LogLocator(numticks=8))
            axis.set_major_formatter(_PLAIN)
            axis.set_minor_formatter(ticker.NullFormatter())


def _median_band(ax, x, runs, colour, label, floor):
    # nanpercentile works column by column in Python; the plain version is vectorised
    quantile = np.nanpercentile if np.isnan(runs).any() else np.percentile
    low, median, high = quantile(runs, [25, 50, 75], axis=0)
    ax.plot(x, np.maximum(median, floor), color=colour, label=label, lw=1.6, drawstyle="steps-post")
    ax.fill_between(x, np.maximum(low, floor), np.maximum(high, floor), color=colour, alpha=0.2, step="post", lw=0)


def benchmark_figure(benchmark, regret_label, time_grid, time_runs, query_grid, query_runs, palette,
                     time_label="simulated time (s)"):
    """Regret vs simulated time (log-log) and vs queries, median over seeds with the IQR band."""
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(9.5, 3.6))
        ax_t, ax_q = fig.subplots(1, 2)
        fig.subplots_adjust(**_MARGINS, wspace=0.28)
        floor = log_floor(list(time_runs.values()) + list(query_runs.values()))
        for strategy, runs in time_runs.items():
            _median_band(ax_t, time_grid, runs, palette[strategy], strategy, floor)
        for strategy, runs in query_runs.items():
            _median_band(ax_q, query_grid, runs, palette[strategy], strategy, floor)
        ax_t.set(xscale="log", yscale="log", xlabel=time_label, ylabel=f"{regret_label} (median, IQR)")
        ax_q.set(yscale="log", xlabel="queries", ylabel=f"{regret_label} (median, IQR)")
        ax_t.set_title(f"{benchmark}: regret vs time", fontsize=10)
        ax_q.set_title(f"{benchmark}: regret vs queries", fontsize=10)
        ax_q.legend(fontsize=8, loc="upper right")
        _plain_log_labels(ax_t)
        _plain_log_labels(ax_q)
    return fig


def rank_figure(query_grid, query_ranks, time_fractions, time_ranks, strategies, palette):
    """Average rank (1 = best) over benchmarks vs queries and vs fraction of each benchmark's time horizon."""
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(9.5, 3.4))
        ax_q, ax_t = fig.subplots(1, 2, sharey=True)
        fig.subplots_adjust(**_MARGINS, wspace=0.12)
        for ax, x, curves in ((ax_q, query_grid, query_ranks), (ax_t, time_fractions, time_ranks)):
            for strategy, curve in zip(strategies, curves):
                ax.plot(x, curve, color=palette[strategy], label=strategy, lw=1.6, drawstyle="steps-post")
            ax.set(xscale="log")
            _plain_log_labels(ax)
        ax_q.set(xlabel="queries", ylabel="average rank (1 = best)", ylim=(0.8, len(strategies) + 0.2))
        ax_t.set(xlabel="fraction of the benchmark's simulated time horizon")
        ax_q.set_title("Average rank vs queries", fontsize=10)
        ax_t.set_title("Average rank vs simulated time", fontsize=10)
        ax_t.legend(fontsize=8, loc="best", framealpha=0.9)
    return fig


def normalised_iqm_figure(curves_by_strategy, palette):
    """IQM of normalised regret over all runs of all benchmarks, 95% stratified-bootstrap band."""
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(6.5, 3.6))
        ax = fig.subplots()
        fig.subplots_adjust(**{**_MARGINS, "left": 0.13})
        floor = log_floor([c[1] for c in curves_by_strategy.values()])
        for strategy, (x, estimate, low, high) in curves_by_strategy.items():
            colour = palette[strategy]
            ax.plot(x, np.maximum(estimate, floor), color=colour, label=strategy, lw=1.6, drawstyle="steps-post")
            ax.fill_between(x, np.maximum(low, floor), np.maximum(high, floor), color=colour, alpha=0.2, step="post", lw=0)
        ax.set(xscale="log", yscale="log", xlabel="queries", ylabel="normalised regret (IQM, 95% CI)")
        ax.set_title("Normalised regret across benchmarks (stratified bootstrap)", fontsize=10)
        _plain_log_labels(ax)
        ax.legend(fontsize=8)
    return fig


def critical_difference_figure(result):
    """autorank's critical-difference diagram (Nemenyi) of the final median regrets."""
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(6.5, 2.4))
        ax = fig.subplots()
        ranks.plot_critical_difference(result, ax)
    return fig
