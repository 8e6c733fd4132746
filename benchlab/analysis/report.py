"""The report of an experiment: index.html (self-contained), report.md, figures (PNG, SVG), tables (CSV).

Everything is written into the experiment folder next to manifest.json; each file goes to a
temporary name first and is moved into place, so an interrupted report leaves no half file.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import json
import math
import sys
import warnings
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from benchlab.analysis import mo_plots, multiobjective, performance, plots, ranks
from benchlab.analysis.load import Experiment, load_experiment
from benchlab.analysis.mo_sections import MO_NOTE, VERDICT_NOTE, multiobjective_sections, problems_table
from benchlab.analysis.verdict import verdict_table
from benchlab.analysis.report_files import REPORT_FOLDERS, check_report_targets
from benchlab.harness.lock import ExperimentLock
from benchlab.harness.storage import remove_stray_temporaries, slug, write_atomic

BAND_NOTE = (
    "Per-benchmark curves: median over seeds with the interquartile range (25th to 75th percentile) as the band. "
    "Across benchmarks: interquartile mean (IQM) of normalised regret with a 95% stratified-bootstrap interval "
    "(Agarwal et al. 2021); each benchmark's regret is divided by the largest regret any run recorded on it."
)
REGRET_WHY = {
    "test_regret": "test regret: the benchmark records a held-out test metric, which is what a paper reports "
    "(strategies only ever see validation scores)",
    "valid_regret": "validation regret: the benchmark records no separate test metric",
    "hv_regret": "hypervolume regret: the table's true front's hypervolume minus that of the run's archive "
    "(normalised objectives; reference point in the manifest)",
    "test_hv_regret": "test-side hypervolume regret: the archive chosen on validation, measured with test scores "
    "against the table's test-side front",
}
ANALYSIS_PACKAGES = ("benchlab", "numpy", "scipy", "pandas", "pyarrow", "matplotlib", "autorank", "moocore")


@dataclass
class Figure:
    name: str
    caption: str
    png: bytes
    svg: bytes


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


def _render(fig, name: str, caption: str) -> Figure:
    """PNG and SVG bytes of a `plots` figure (each format drawn by its own canvas, Agg for PNG)."""
    png, svg = io.BytesIO(), io.BytesIO()
    fig.savefig(png, format="png", dpi=100)
    fig.savefig(svg, format="svg", metadata={"Date": None})  # no date: same data, same file
    return Figure(name, caption, png.getvalue(), svg.getvalue())


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
        out.append(_render(fig, f"regret_{slug(b)}", f"{b}: {label} of the {'archive' if 'hv' in label else 'incumbent'} vs simulated time and queries"))
        problem = multiobjective.problem_of(experiment, b)
        if len(problem.get("objectives", ())) == 2:
            fig = mo_plots.attainment_figure(b, problem["objectives"], problem["directions"], problem["front"],
                                             multiobjective.attainment(experiment, b), palette)
            out.append(_render(fig, f"attainment_{slug(b)}",
                               f"{b}: median attainment surfaces of the final archives over the table's true front"))
    iqm_curves = performance.normalised_iqm_over_queries(experiment, grid, by_key)
    out.append(_render(plots.normalised_iqm_figure(iqm_curves, palette), "normalised_iqm",
                       "IQM of normalised regret across benchmarks, 95% stratified-bootstrap band"))
    by_queries = performance.average_rank_over_queries(experiment, grid, by_key)
    fractions, by_time = performance.average_rank_over_time(experiment)
    out.append(_render(plots.rank_figure(grid, by_queries, fractions, by_time, experiment.strategies, palette),
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
            out.append(_render(plots.critical_difference_figure(result), "critical_difference",
                               f"Critical-difference diagram (Friedman + Nemenyi, alpha={alpha}); {len(blocks)} blocks"))
    return out


# ---------------------------------------------------------------- formatting


def _fmt(value) -> str:
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return "n/a"
        if math.isinf(value):
            return "inf"
        return f"{value:.4g}"
    return str(value)


def _html_table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _md_text(text) -> str:
    """Text as Markdown shows it literally: HTML-special characters escaped (names come from files)."""
    return html.escape(str(text), quote=False)


def _md_cell(value) -> str:
    return _md_text(_fmt(value)).replace("|", "\\|").replace("\n", " ")


def _md_table(frame: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(_md_cell(c) for c in frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def _versions(experiment: Experiment) -> pd.DataFrame:
    rows = [("experiment", k, str(v)) for k, v in sorted(experiment.manifest.get("versions", {}).items())]
    for package in ANALYSIS_PACKAGES:
        try:
            rows.append(("report", package, metadata.version(package)))
        except metadata.PackageNotFoundError:
            continue
    rows.append(("report", "python", sys.version.split()[0]))
    return pd.DataFrame(rows, columns=["recorded by", "package", "version"])


def _benchmarks_table(experiment: Experiment) -> pd.DataFrame:
    rows = []
    for b in experiment.benchmarks:
        info = experiment.benchmark_info(b)
        column = experiment.regret_column[b]
        rows.append({
            "benchmark": b,
            "metric": info.get("metric", "n/a"),
            "reported regret": REGRET_WHY[column],
            "time cost": "recorded training time" if info.get("has_time_cost", True) else "1 unit per query",
            "data checksum": info.get("checksum", "n/a"),
            "description": info.get("description", ""),
        })
    return pd.DataFrame(rows)


def _strategies_table(experiment: Experiment) -> pd.DataFrame:
    rows = [
        {"label": label, "class": (spec or {}).get("class", ""), "params": json.dumps((spec or {}).get("params", {}), sort_keys=True)}
        for label, spec in experiment.manifest.get("strategies", {}).items()
    ]
    return pd.DataFrame(rows, columns=["label", "class", "params"])


def _protocol_note(manifest: dict) -> str:
    """The evaluation protocol in words: what a query returned, and the named protocol if any."""
    from benchlab.run import observation as observations

    config = manifest.get("config", {})
    mode = config.get("observation", observations.DEFAULT)
    try:
        meaning = observations.describe(mode)
    except (KeyError, TypeError):
        meaning = "as recorded by the experiment"
    text = f"Evaluation protocol: observation = {mode!r}: {meaning}; regret is always measured on mean scores."
    protocol = config.get("protocol")
    if protocol:
        text += (f" Named protocol {protocol.get('name')!r} ({protocol.get('source')}): {protocol.get('summary')}.")
    return text


_FINAL_COLUMNS = ["strategy", "n", "mean", "median", "iqm", "std", "ci_low", "ci_high", "success_rate"]


def _sections(data: ReportData):
    """The page's content as (kind, payload) items shared by the HTML and Markdown writers."""
    e = data.experiment
    m = e.manifest
    budget = m.get("budget", {})
    yield "h1", f"benchlab report: {m.get('name', e.path.name)}"
    yield "p", (
        f"{len(e.benchmarks)} benchmark(s), {len(e.strategies)} strategies, {len(e.seeds)} seeds per pair, "
        f"budget {json.dumps(budget, sort_keys=True)}; started {m.get('started', 'n/a')}, finished {m.get('finished', 'n/a')}."
    )
    yield from data.preface
    yield "h2", "Verdict"
    yield "table", data.verdict
    yield "p", VERDICT_NOTE
    yield "h2", "Across benchmarks"
    for figure in data.figures:
        if not figure.name.startswith(("regret_", "attainment_")):
            yield "figure", figure
    yield "table", data.rank_table
    f = data.friedman
    yield "p", (
        f"Friedman test ({data.blocks_note}): statistic {_fmt(f.statistic)}, p = {_fmt(f.p_value)}"
        + (f" ({f.note})" if f.note else "") + "."
    )
    for note in data.notes:
        yield "p", note
    for b in e.benchmarks:
        yield "h2", f"Benchmark {b}"
        yield "p", f"Reported: {REGRET_WHY[e.regret_column[b]]}."
        for figure in data.figures:
            if figure.name == f"regret_{slug(b)}":
                yield "figure", figure
        final = data.final[(data.final.benchmark == b) & (data.final.fraction == 1.0)]
        yield "h3", "Final regret (end of budget)"
        yield "table", final[[c for c in _FINAL_COLUMNS if c in final.columns]]
        here = data.final[data.final.benchmark == b]
        pivot = here.pivot(index="strategy", columns="fraction", values="median").reindex(list(e.strategies))
        pivot.columns = [f"median at {c:.0%}" for c in pivot.columns]
        yield "h3", "Median regret at fractions of the budget"
        yield "table", pivot.reset_index()
        ert = data.ert[data.ert.benchmark == b].drop(columns="benchmark")
        yield "h3", "Expected running time to regret targets (COCO ERT)"
        yield "table", ert
        pairs = data.pairwise[data.pairwise.benchmark == b].drop(columns="benchmark")
        yield "h3", "Pairwise comparisons (Mann-Whitney U, Holm)"
        yield "table", pairs
        yield from multiobjective_sections(data, b)
    yield "h2", "Methods"
    yield "p", BAND_NOTE
    yield "p", (
        "Final performance is the regret of each run's incumbent at the end of the budget and at fixed fractions of it "
        f"(budget axis: {performance.budget_axis(e)}); ci_low/ci_high bound a 95% BCa bootstrap interval of the "
        "mean. Pairwise tests: two-sided Mann-Whitney U on final regret, Holm-corrected over all pairs of "
        f"strategies on the same benchmark, alpha={data.alpha}; effect size: Vargha-Delaney "
        "A12 given as the probability that a run of A ends with lower regret than a run of B. Success: regret <= 1e-9. "
        "ERT as in COCO: effort of all runs until they reach the target (or their budget end) divided by the number "
        "of runs that reached it; targets are 10% and 1% of each benchmark's worst recorded regret, and the optimum."
    )
    yield "p", _protocol_note(m)
    if any(multiobjective.problem_of(e, b) for b in e.benchmarks):
        yield "p", MO_NOTE
        yield "table", problems_table(e)
    yield "h2", "Benchmarks"
    yield "table", _benchmarks_table(e)
    yield "h2", "Strategies"
    yield "table", _strategies_table(e)
    yield "h2", "Reproducibility"
    yield "p", (f"Results checksum (sha256 over the reproducible columns of all {len(e.file_checksums)} run files, "
                f"each listed in tables/run_files.csv; wall-clock columns are left out, so identical experiments "
                f"give identical checksums): {e.results_sha256}")
    yield "table", _versions(e)
    yield "h3", "Configuration"
    yield "pre", json.dumps(m.get("config", {}), indent=2, sort_keys=True)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;padding:1rem 1.5rem;
max-width:1100px;line-height:1.45;color:#222;box-sizing:border-box}
h1{font-size:1.5rem}h2{font-size:1.25rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
h3{font-size:1.05rem}
figure{margin:1rem 0}figure img{max-width:100%;height:auto;display:block}
figcaption{font-size:.85rem;color:#555}
.table-wrap{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
th,td{border:1px solid #ddd;padding:.2rem .45rem;text-align:left;vertical-align:top}
td{overflow-wrap:anywhere;min-width:4rem}
th{background:#f4f4f4}
pre{background:#f7f7f7;padding:.6rem;white-space:pre-wrap;word-break:break-word;font-size:.8rem}
p{overflow-wrap:anywhere}
"""


def _html(data: ReportData) -> str:
    parts = []
    for kind, payload in _sections(data):
        if kind in ("h1", "h2", "h3", "p"):
            parts.append(f"<{kind}>{html.escape(payload)}</{kind}>")
        elif kind == "table":
            parts.append(_html_table(payload))
        elif kind == "pre":
            parts.append(f"<pre>{html.escape(payload)}</pre>")
        elif kind == "figure":
            encoded = base64.b64encode(payload.png).decode()
            parts.append(
                f'<figure><img src="data:image/png;base64,{encoded}" alt="{html.escape(payload.caption)}">'
                f"<figcaption>{html.escape(payload.caption)} (files: figures/{payload.name}.png, .svg)</figcaption></figure>"
            )
    title = html.escape(data.experiment.manifest.get("name", data.experiment.path.name))
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>benchlab report: {title}</title><style>{_CSS}</style></head>\n<body>\n"
        + "\n".join(parts) + "\n</body></html>\n"
    )


def _markdown(data: ReportData) -> str:
    parts = []
    for kind, payload in _sections(data):
        if kind == "h1":
            parts.append(f"# {_md_text(payload)}")
        elif kind == "h2":
            parts.append(f"## {_md_text(payload)}")
        elif kind == "h3":
            parts.append(f"### {_md_text(payload)}")
        elif kind == "p":
            parts.append(_md_text(payload))
        elif kind == "table":
            parts.append(_md_table(payload))
        elif kind == "pre":
            parts.append(f"```json\n{payload}\n```")
        elif kind == "figure":
            parts.append(f"![{_md_text(payload.caption)}](figures/{payload.name}.png)")
    return "\n\n".join(parts) + "\n"


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
