"""The predictor benchmark's report: correlations.csv, summary.csv, runs.csv, figures and an
HTML page in the comparison report's style, every file written atomically after all
numbers are computed (an interrupted run leaves no half report)."""

from __future__ import annotations

import html
import math
from pathlib import Path

import pandas as pd

from benchlab.analysis.report_format import Figure, fmt, html_document, html_figure, html_table, render
from benchlab.io.atomic import write_atomic
from benchlab.predictors.evaluation import COLUMNS, MEASURES

LABELS = {"spearman": "Spearman rho", "kendall": "Kendall tau"}


def correlations_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The `correlations.csv` columns (means over seeds; n_train empty for zero-cost proxies)."""
    frame = summary.reindex(columns=list(COLUMNS)).copy()
    frame["n_train"] = frame["n_train"].astype("Int64")
    return frame


def figures(summary: pd.DataFrame) -> list[Figure]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    out = []
    for bench, frame in summary.groupby("benchmark", sort=False):
        fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
        models = frame[frame["n_train"].notna()]
        proxies = frame[frame["n_train"].isna()]
        for ax, measure in zip(axes, ("spearman", "kendall")):
            for name, curve in models.groupby("predictor", sort=False):
                n = curve["n_train"].astype(float)
                line = ax.plot(n, curve[measure], marker="o", label=name)[0]
                ax.fill_between(n, curve[f"{measure}_low"], curve[f"{measure}_high"], color=line.get_color(), alpha=0.2)
            for i, row in enumerate(proxies.itertuples()):
                ax.axhline(getattr(row, measure), linestyle="--", color=f"C{(i + len(models)) % 10}",
                           label=f"{row.predictor} (zero-cost)")
            ax.set_xscale("log")
            ax.set_xlabel("training cells n")
            ax.set_ylabel(LABELS[measure])
            ax.grid(alpha=0.3)
        axes[0].legend(fontsize=8)
        fig.suptitle(f"{bench}: rank correlation on held-out cells (mean over seeds, 95% bootstrap band)")
        out.append(render(fig, f"correlation-{_slug(bench)}", f"{bench}: Spearman rho and Kendall tau against n"))
    return out


def _slug(name: str) -> str:
    from benchlab.harness.storage import slug

    return slug(name)


def _display(summary: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for row in summary.to_dict("records"):
        shown = {"benchmark": row["benchmark"], "predictor": row["predictor"],
                 "n_train": "zero-cost" if _missing(row["n_train"]) else int(row["n_train"]),
                 "n_test": int(row["n_test"]), "seeds": int(row.get("seeds", 1))}
        for measure in MEASURES:
            shown[measure] = f"{fmt(row[measure])} [{fmt(row[f'{measure}_low'])}, {fmt(row[f'{measure}_high'])}]"
        rows.append(shown)
    return pd.DataFrame(rows)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def html_page(title: str, summary: pd.DataFrame, notes: list[str], figs: list[Figure]) -> str:
    parts = [f"<h1>{html.escape(title)}</h1>"]
    parts += [f"<p>{html.escape(n)}</p>" for n in notes]
    parts.append("<h2>Rank correlation against training-set size</h2>")
    parts += [html_figure(fig) for fig in figs]
    parts.append("<h2>Table (mean [95% interval])</h2>")
    parts.append(html_table(_display(summary)))
    return html_document(f"benchlab: {title}", parts)


NOTES = [
    "Each seed draws a held-out test set and nested random training sets from the other cells; a model "
    "predictor is fitted on n cells (the target is the mean validation score over the recorded repeats) and "
    "ranks the test set. Intervals: 95% bootstrap intervals of the mean over seeds.",
    "Zero-cost proxies score untrained networks (no fitting): their row is the correlation over one sample of "
    "cells, with 95% intervals from resampling the cells.",
    "precision_top1 / precision_top5: the fraction of the truly best 1% / 5% of the test cells that the "
    "predictor also puts in its best 1% / 5%.",
]


def write_report(out_dir: Path, title: str, summary: pd.DataFrame, per_seed: pd.DataFrame) -> list[Path]:
    """Everything rendered in memory first, then each file written atomically."""
    figs = figures(summary)
    files = {
        "correlations.csv": correlations_table(summary).to_csv(index=False).encode(),
        "summary.csv": summary.to_csv(index=False).encode(),
        "runs.csv": per_seed.to_csv(index=False).encode(),
        "index.html": html_page(title, summary, NOTES, figs).encode(),
    }
    for fig in figs:
        files[f"figures/{fig.name}.png"] = fig.png
        files[f"figures/{fig.name}.svg"] = fig.svg
    written = []
    for name, data in files.items():
        write_atomic(out_dir / name, data)
        written.append(out_dir / name)
    return written

