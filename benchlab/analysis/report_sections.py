"""What the experiment report says, in order: (kind, payload) items that the HTML and
Markdown writers of `report_format` both show (kinds h1, h2, h3, p, table, pre, figure)."""

from __future__ import annotations

import json
import sys
from importlib import metadata
from typing import TYPE_CHECKING

import pandas as pd

from benchlab.analysis import multiobjective, performance
from benchlab.analysis.load import Experiment
from benchlab.analysis.mo_sections import MO_NOTE, VERDICT_NOTE, multiobjective_sections, problems_table
from benchlab.analysis.report_format import fmt
from benchlab.harness.storage import slug

if TYPE_CHECKING:
    from benchlab.analysis.report import ReportData

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


def sections(data: ReportData):
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
        f"Friedman test ({data.blocks_note}): statistic {fmt(f.statistic)}, p = {fmt(f.p_value)}"
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
