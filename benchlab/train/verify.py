"""Check the table against live training: train chosen cells and compare with the recorded repeats.

NB101 tables (cells by module hash or text form) and NB201 tables (cells by the benchmark's
string or their 6 op indices, `benchlab.train.nb201_cells`) alike.

For every cell and live repeat the report puts the live validation/test accuracy and
training time beside the table's repeats (min, mean, max) with the z-score of the live
value, (live - table mean) / table standard deviation (sample deviation over repeats; NaN
with fewer than two repeats). Across cells it gives Kendall's tau between the live and
the tabulated mean accuracies: whether live training ranks cells as the table does.
The trainer is passed in, so the report logic runs without torch (and tests stub it).
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from benchlab.errors import DataError, UserError
from benchlab.harness.storage import write_atomic, write_json_atomic
from benchlab.train.cache import CellTrainer, ResultCache, run_rng

_HASH = re.compile(r"[0-9a-f]{32}")
RUNS_CSV = "verify_runs.csv"
CELLS_CSV = "verify_cells.csv"
SUMMARY_JSON = "verify_summary.json"
FIGURE = "verify.png"


@dataclass(frozen=True)
class CellSpec:
    key: str  # the table key (NB101: official module hash of the pruned cell; NB201: "3,3,3,1,3,2")
    matrix: np.ndarray  # NB101's pruned adjacency; empty for NB201
    ops: tuple[str, ...]  # NB101's vertex ops; NB201's 6 edge ops
    arch: object = None  # the space's architecture (what the table is queried with)
    cache_key: str = ""  # the name its live runs are cached under (default: key)

    @property
    def run_key(self) -> str:
        return self.cache_key or self.key


@dataclass
class VerifyReport:
    runs: pd.DataFrame  # one row per live run
    cells: pd.DataFrame  # one row per cell
    summary: dict = field(default_factory=dict)


def resolve_cells(specs, table) -> list[CellSpec]:
    """Cells named by module hash (looked up in the table) or in the text form "ADJ|op,op,...";
    on an NB201 table, as `nb201_cells.resolve_nb201_cells` reads them.

    Duplicates (the same key twice) are verified once, in order of first mention.
    """
    if getattr(table.space, "name", "") == "nb201":
        from benchlab.train.nb201_cells import resolve_nb201_cells

        return resolve_nb201_cells(specs, table)
    found: dict[str, CellSpec] = {}
    for spec in specs:
        spec = spec.strip()
        if not spec:
            continue
        if _HASH.fullmatch(spec):
            if not table.has_key(spec):
                raise UserError(
                    f"no cell with module hash {spec} in {table.name}; give a hash from the table or the cell "
                    "itself as ADJ_DIGITS|op,op,..."
                )
            cell = table.cell_of_row(table.row_of_key(spec))
            key = spec
        else:
            cell = table.space.parse(spec)  # InvalidArchitectureError names the broken rule
            key = table.space.key(cell)
        found.setdefault(key, CellSpec(key, np.asarray(cell.matrix), tuple(cell.ops), cell))
    if not found:
        raise UserError("no cells to verify; give --cells HASH[,HASH...] or --from an experiment folder")
    return list(found.values())


@dataclass(frozen=True)
class Incumbents:
    keys: list[str]  # final incumbent keys, most frequent first
    tables: list[str]  # the NB101/NB201 tables the runs used ("live:" stripped), in order of first use


def verifiable(benchmark: str) -> bool:
    """Whether runs on `benchmark` can be verified: NB101 tables and NB201 datasets."""
    return "nb101" in benchmark or benchmark.startswith("nb201/")


def incumbents_of_experiment(experiment_dir) -> Incumbents:
    """Final incumbents of every NB101 or NB201 run of an experiment (the last row of each run file)."""
    root = Path(experiment_dir)
    files = sorted((root / "runs").glob("*/*/seed-*.parquet"))
    if not root.is_dir() or not files:
        raise UserError(f"{root}: no run files (runs/*/*/seed-*.parquet); give the folder `benchlab compare` wrote")
    counts: dict[str, int] = {}
    tables: dict[str, None] = {}
    for path in files:
        try:
            table = pq.read_table(path, columns=["benchmark", "incumbent_key"])
        except (OSError, ValueError, KeyError) as exc:
            raise DataError(f"{path}: unreadable run file ({exc}); delete it and rerun the experiment to redo it") from None
        if table.num_rows == 0:
            continue
        # a multi-objective run's name carries its problem's label after one space
        benchmark = (table.column("benchmark")[table.num_rows - 1].as_py() or "").split(" ", 1)[0]
        if not verifiable(benchmark):
            continue
        key = table.column("incumbent_key")[table.num_rows - 1].as_py()
        if key:
            counts[key] = counts.get(key, 0) + 1
            tables.setdefault(benchmark.removeprefix("live:"))
    if not counts:
        raise UserError(f"{root}: no NB101 or NB201 runs with an incumbent; verify cells of an experiment on nb101 or nb201")
    return Incumbents(sorted(counts, key=lambda k: (-counts[k], k)), list(tables))


def _stats(values) -> tuple[float, float, float, float]:
    values = np.asarray([v for v in values if not math.isnan(v)], dtype=float)
    if len(values) == 0:
        return (math.nan,) * 4
    std = float(np.std(values, ddof=1)) if len(values) > 1 else math.nan
    return float(values.min()), float(values.mean()), float(values.max()), std


def _z(value: float, mean: float, std: float) -> float:
    if math.isnan(std) or std == 0.0:
        return math.nan
    return (value - mean) / std


def verify_cells(
    cells: list[CellSpec],
    table,
    trainer: CellTrainer,
    *,
    epochs: int = 4,
    repeats: int = 1,
    cache: ResultCache | None = None,
    base_seed: int = 0,
    progress=None,
) -> VerifyReport:
    """Train every cell `repeats` times (reusing cached runs) and compare with the table."""
    if repeats < 1:
        raise UserError(f"--repeats must be at least 1, got {repeats}")
    in_table = epochs in getattr(table, "fidelities", ())
    run_rows, cell_rows = [], []
    for i, spec in enumerate(cells):
        tabulated = _tabulated(table, spec, epochs) if in_table else []
        stats = {
            "valid": _stats([o.valid for o in tabulated]),
            "test": _stats([o.test for o in tabulated]),
            "time": _stats([o.cost for o in tabulated]),
        }
        live = []
        for repeat in range(repeats):
            if progress:
                progress(f"cell {i + 1}/{len(cells)} {spec.key} repeat {repeat + 1}/{repeats}")
            if cache is not None:
                result = cache.run(trainer, spec.run_key, spec.matrix, spec.ops, epochs, repeat, base_seed)
            else:
                result = trainer(spec.matrix, spec.ops, epochs, run_rng(spec.run_key, epochs, repeat, base_seed))
            live.append(result)
            row = {"key": spec.key, "repeat": repeat, "epochs": epochs}
            for name, value in (
                ("valid", result.final.validation_accuracy),
                ("test", result.final.test_accuracy),
                ("time", result.final.training_time),
            ):
                lo, mean, hi, std = stats[name]
                row |= {
                    f"live_{name}": value, f"table_{name}_min": lo, f"table_{name}_mean": mean,
                    f"table_{name}_max": hi, f"z_{name}": _z(value, mean, std),
                }
            row |= {
                "live_train": result.final.train_accuracy,
                "live_halfway_valid": result.halfway.validation_accuracy,
                "trainable_parameters": result.trainable_parameters,
                "device": result.device,
            }
            run_rows.append(row)
        cell_row = {"key": spec.key, "table_repeats": len(tabulated), "live_repeats": repeats}
        for name, attr in (("valid", "validation_accuracy"), ("test", "test_accuracy"), ("time", "training_time")):
            live_mean = float(np.mean([getattr(r.final, attr) for r in live]))
            lo, mean, hi, std = stats[name]
            cell_row |= {
                f"live_{name}_mean": live_mean, f"table_{name}_min": lo, f"table_{name}_mean": mean,
                f"table_{name}_max": hi, f"table_{name}_std": std, f"z_{name}": _z(live_mean, mean, std),
            }
        cell_row["cell"] = table.space.format(spec.arch) if spec.arch is not None else ""
        cell_rows.append(cell_row)
    runs, cells_frame = pd.DataFrame(run_rows), pd.DataFrame(cell_rows)
    summary = {"epochs": epochs, "repeats": repeats, "cells": len(cells), "table": getattr(table, "name", "")}
    for name in ("valid", "test"):
        summary[f"kendall_tau_{name}"], summary[f"kendall_p_{name}"] = _kendall(
            cells_frame[f"live_{name}_mean"], cells_frame[f"table_{name}_mean"]
        )
    summary["mean_abs_z_valid"] = float(np.nanmean(np.abs(cells_frame["z_valid"]))) if cells_frame["z_valid"].notna().any() else math.nan
    return VerifyReport(runs, cells_frame, summary)


def _tabulated(table, spec: CellSpec, epochs: int) -> list:
    """The table's repeats of the cell at `epochs` (none when the table lacks the cell)."""
    try:
        return table.repeats(spec.arch, fidelity=epochs)
    except UserError:  # InvalidArchitectureError too: a cell outside the table
        return []


def _kendall(live: pd.Series, tabulated: pd.Series) -> tuple[float, float]:
    """Kendall's tau-b between live and table means over cells with both (NaN below two)."""
    from scipy.stats import kendalltau

    both = live.notna() & tabulated.notna()
    if both.sum() < 2:
        return math.nan, math.nan
    result = kendalltau(live[both], tabulated[both])
    return float(result.statistic), float(result.pvalue)


def write_report(report: VerifyReport, out_dir) -> list[Path]:
    """Write the two CSV tables, the summary and the figure (each atomically)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figure = _figure_png(report)  # drawn first: a plotting failure leaves no files at all
    paths = [out / RUNS_CSV, out / CELLS_CSV, out / SUMMARY_JSON, out / FIGURE]
    write_atomic(paths[0], report.runs.to_csv(index=False).encode())
    write_atomic(paths[1], report.cells.to_csv(index=False).encode())
    write_json_atomic(paths[2], {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in report.summary.items()})
    write_atomic(paths[3], figure)
    return paths


def _figure_png(report: VerifyReport) -> bytes:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    cells = report.cells.sort_values("table_valid_mean", na_position="last").reset_index(drop=True)
    order = {key: i for i, key in enumerate(cells["key"])}
    fig, axes = plt.subplots(1, 2, figsize=(max(7.0, 0.5 * len(cells) + 5), 4.2), constrained_layout=True)
    for ax, name, label in ((axes[0], "valid", "validation accuracy"), (axes[1], "time", "training time (s)")):
        x = np.arange(len(cells))
        mean = cells[f"table_{name}_mean"].to_numpy()
        err = np.vstack([mean - cells[f"table_{name}_min"].to_numpy(), cells[f"table_{name}_max"].to_numpy() - mean])
        ax.errorbar(x, mean, yerr=err, fmt="o", color="0.3", capsize=3, label="table (min-mean-max)")
        live_x = report.runs["key"].map(order).to_numpy(dtype=float) + 0.15
        ax.plot(live_x, report.runs[f"live_{name}"], "x", color="tab:red", label="live")
        ax.set_xticks(x, [k.replace(",", "")[:8] for k in cells["key"]], rotation=60, fontsize=7)
        ax.set_ylabel(label)
        ax.set_xlabel("cell (table key)")
    tau = report.summary.get("kendall_tau_valid", math.nan)
    axes[0].set_title(f"{report.summary.get('epochs')} epochs; Kendall tau (valid) = {tau:.2f}")
    axes[0].legend(fontsize=8)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120)
    plt.close(fig)
    return buffer.getvalue()


def report_as_text(report: VerifyReport) -> str:
    s = report.summary
    lines = [
        f"verified {s['cells']} cell(s) at {s['epochs']} epochs, {s['repeats']} live repeat(s) each, against {s['table']}",
        f"Kendall tau live vs table: validation {s['kendall_tau_valid']:.3f}, test {s['kendall_tau_test']:.3f}",
    ]
    for row in report.cells.itertuples():
        lines.append(
            f"  {row.key}  live valid {row.live_valid_mean:.4f}  table {row.table_valid_min:.4f}/"
            f"{row.table_valid_mean:.4f}/{row.table_valid_max:.4f}  z {row.z_valid:+.2f}  "
            f"time {row.live_time_mean:.0f}s vs {row.table_time_mean:.0f}s"
        )
    return "\n".join(lines)

