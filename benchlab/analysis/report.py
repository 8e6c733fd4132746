"""The report of an experiment: index.html (self-contained), report.md, figures (PNG, SVG), tables (CSV).

Everything is written into the experiment folder next to manifest.json; each file goes to a
temporary name first and is moved into place, so an interrupted report leaves no half file.
What the page says is `report_sections.py`, how it is shown `report_format.py`; here the
numbers and figures are computed and the files written.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from benchlab.analysis import mo_plots, multiobjective, performance, plots, ranks
from benchlab.analysis.load import Experiment, load_experiment
from benchlab.analysis.report_files import REPORT_FOLDERS, check_report_targets
from benchlab.analysis.report_format import Figure, html_page, markdown_page, render
from benchlab.analysis.report_sections import ANALYSIS_PACKAGES, BAND_NOTE, REGRET_WHY, sections
from benchlab.analysis.verdict import verdict_table
from benchlab.harness.lock import ExperimentLock
from benchlab.harness.storage import remove_stray_temporaries, slug, write_atomic

__all__ = ["ANALYSIS_PACKAGES", "BAND_NOTE", "REGRET_WHY", "Figure", "ReportData", "compute", "write_data", "write_report"]


@dataclass
class ReportData:
    """Everything the page shows, computed once; the writers below only format it."""

    experiment: Experiment
    final: pd.DataFrame
    ert: pd.DataFrame
    pairwise: pd.DataFrame
    rank_table: pd.DataFrame
    friedman: ranks.FriedmanResult
    blocks_note: str
    alpha: float = 0.05  # significance level of the pairwise tests and the CD diagram
    verdict: pd.DataFrame = field(default_factory=pd.DataFrame)
    igd: pd.DataFrame = field(default_factory=pd.DataFrame)  # multi-objective: IGD+ of the final archives
    feasibility: pd.DataFrame = field(default_factory=pd.DataFrame)  # constrained: runs that found a feasible cell
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    preface: list[tuple[str, object]] = field(default_factory=list)  # extra sections shown first


def _rank_blocks(experiment: Experiment) -> tuple[pd.DataFrame, str]:
    """Blocks for Friedman / CD: benchmarks (median final regret), or benchmark x seed when too few."""
    if len(experiment.benchmarks) >= ranks.AUTORANK_MIN_BLOCKS:
        return performance.median_final_table(experiment), "blocks are benchmarks (median final regret over seeds)"
    rows, index = [], []
    for b in experiment.benchmarks:
        final = performance.final_regrets(experiment, b)
        for i, seed in enumerate(experiment.seeds):
            rows.append([final[s][i] for s in experiment.strategies])
            index.append(f"{b} seed {seed}")
    note = (
        f"only {len(experiment.benchmarks)} benchmark(s), fewer than the {ranks.AUTORANK_MIN_BLOCKS} blocks autorank needs, "
        "so blocks are (benchmark, seed) pairs of final regrets"
    )
    return pd.DataFrame(rows, columns=list(experiment.strategies), index=index), note


def compute(experiment: Experiment, *, alpha: float = 0.05, figures: bool = True) -> ReportData:
    blocks, blocks_note = _rank_blocks(experiment)
    friedman = ranks.friedman(blocks)
    mean_ranks = pd.Series(ranks.rank_rows(blocks.to_numpy()).mean(axis=0), index=blocks.columns)
    rank_table = pd.DataFrame({"strategy": mean_ranks.index, "average_rank": mean_ranks.to_numpy()})
    data = ReportData(
        experiment=experiment,
        final=performance.final_table(experiment),
        ert=performance.ert_table(experiment),
        pairwise=performance.pairwise_table(experiment, alpha=alpha),
        rank_table=rank_table.sort_values("average_rank", kind="stable").reset_index(drop=True),
        friedman=friedman,
        blocks_note=blocks_note,
        alpha=alpha,
    )
    data.verdict = verdict_table(experiment, data.pairwise)
    data.igd = multiobjective.igd_table(experiment)
    data.feasibility = multiobjective.feasibility_table(experiment)
    if figures:
        data.figures = _figures(experiment, blocks, alpha, data.notes)
    return data


def _figures(experiment: Experiment, blocks: pd.DataFrame, alpha: float, notes: list[str]) -> list[Figure]:
    palette = plots.colours(experiment.strategies)
    grid, by_key = performance.query_curves(experiment)
    out = []
    for b in experiment.benchmarks:
        time_grid, time_runs = performance.time_curves(experiment, b)
        query_grid = performance.curves.query_grid(experiment, b)
        query_runs = {s: by_key[(b, s)][:, : len(query_grid)] for s in experiment.strategies}
        label = experiment.regret_column[b].replace("_", " ")
        time_label = "simulated time (s)" if experiment.benchmark_info(b).get("has_time_cost", True) else \
            "simulated time (1 unit per query: no recorded training times)"
        fig = plots.benchmark_figure(b, label, time_grid, time_runs, query_grid, query_runs, palette, time_label)
        out.append(render(fig, f"regret_{slug(b)}", f"{b}: {label} of the {'archive' if 'hv' in label else 'incumbent'} vs simulated time and queries"))
        problem = multiobjective.problem_of(experiment, b)
        if len(problem.get("objectives", ())) == 2:
            fig = mo_plots.attainment_figure(b, problem["objectives"], problem["directions"], problem["front"],
                                             multiobjective.attainment(experiment, b), palette)
            out.append(render(fig, f"attainment_{slug(b)}",
                               f"{b}: median attainment surfaces of the final archives over the table's true front"))
    iqm_curves = performance.normalised_iqm_over_queries(experiment, grid, by_key)
    out.append(render(plots.normalised_iqm_figure(iqm_curves, palette), "normalised_iqm",
                       "IQM of normalised regret across benchmarks, 95% stratified-bootstrap band"))
    by_queries = performance.average_rank_over_queries(experiment, grid, by_key)
    fractions, by_time = performance.average_rank_over_time(experiment)
    out.append(render(plots.rank_figure(grid, by_queries, fractions, by_time, experiment.strategies, palette),
                       "average_rank", "Average rank of median regret across benchmarks vs queries and vs "
                       "simulated time (as a fraction of each benchmark's horizon)"))
    if len(experiment.strategies) < 3:
        notes.append("Critical-difference diagram omitted: it needs at least three strategies.")
    else:
        try:
            with warnings.catch_warnings():  # autorank's normality pre-tests warn on constant data
                warnings.simplefilter("ignore")
                result = ranks.critical_difference(blocks, alpha=alpha)
        except (ValueError, ZeroDivisionError) as exc:  # e.g. all strategies identical on every block
            result = None
            notes.append(f"Critical-difference diagram omitted: autorank could not analyse the ranks ({exc}).")
        if result is None and len(blocks) < ranks.AUTORANK_MIN_BLOCKS:
            notes.append(f"Critical-difference diagram omitted: {len(blocks)} blocks, autorank needs "
                         f"{ranks.AUTORANK_MIN_BLOCKS}; run more seeds or benchmarks.")
        if result is not None:
            out.append(render(plots.critical_difference_figure(result), "critical_difference",
                               f"Critical-difference diagram (Friedman + Nemenyi, alpha={alpha}); {len(blocks)} blocks"))
    return out


def _html(data: ReportData) -> str:
    return html_page(f"benchlab report: {data.experiment.manifest.get('name', data.experiment.path.name)}", sections(data))


def _markdown(data: ReportData) -> str:
    return markdown_page(sections(data))


def write_data(data: ReportData, out_dir: Path) -> Path:
    """Write figures, tables, report.md and index.html (last) into `out_dir`; returns index.html."""
    out_dir = Path(out_dir)
    check_report_targets(out_dir)
    remove_stray_temporaries([out_dir, *(out_dir / name for name in REPORT_FOLDERS)])
    for figure in data.figures:
        write_atomic(out_dir / "figures" / f"{figure.name}.png", figure.png)
        write_atomic(out_dir / "figures" / f"{figure.name}.svg", figure.svg)
    files = pd.DataFrame(sorted(data.experiment.file_checksums.items()), columns=["run_file", "sha256"])
    tables = {"final": data.final, "ert": data.ert, "pairwise": data.pairwise, "ranks": data.rank_table,
              "verdict": data.verdict, "run_files": files}
    if len(data.igd):
        tables["igd_plus"] = data.igd
    if len(data.feasibility):
        tables["feasibility"] = data.feasibility
    for name, frame in tables.items():
        write_atomic(out_dir / "tables" / f"{name}.csv", frame.to_csv(index=False).encode())
    write_atomic(out_dir / "report.md", _markdown(data).encode())
    index = out_dir / "index.html"
    write_atomic(index, _html(data).encode())
    return index


def write_report(experiment_dir, *, quiet: bool = False, lock: ExperimentLock | None = None) -> Path:
    """Analyse the experiment folder's result files and write its report there; returns index.html.

    `lock`: the folder's lock when the caller already holds it (taken here otherwise).
    """
    experiment_dir = Path(experiment_dir)
    if not quiet:
        print(f"benchlab: reading results in {experiment_dir}", file=sys.stderr)
    if not experiment_dir.is_dir():
        load_experiment(experiment_dir)  # says what is wrong with the folder
    check_report_targets(experiment_dir)
    with contextlib.nullcontext(lock) if lock is not None else ExperimentLock(experiment_dir):
        experiment = load_experiment(experiment_dir)
        data = compute(experiment)
        index = write_data(data, experiment_dir)
    if not quiet:
        print(f"benchlab: report written to {index}", file=sys.stderr)
    return index
