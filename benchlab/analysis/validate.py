"""`benchlab validate`: run a user's strategy beside the baselines and say whether it is better.

Per benchmark, the user's final regrets are compared with each baseline's by a two-sided
Mann-Whitney U test, Holm-corrected over every (benchmark, baseline) comparison of the call,
with the Vargha-Delaney A12 effect size. Overall, per baseline, the probability of improvement
averaged over benchmarks with a stratified-bootstrap interval (Agarwal et al. 2021) at
confidence 1 - alpha/k for k baselines (Bonferroni), so the overall verdicts also hold jointly.

This module is the only part of the analysis that runs searches: it drives the harness into a
stable folder so that baseline runs with the same settings are reused on the next call, and
then analyses the files like any other experiment.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from benchlab.analysis import performance, stats
from benchlab.analysis.load import Experiment, load_experiment
from benchlab.errors import ConfigError, UserError
from benchlab.harness.storage import run_file

DEFAULT_AGAINST = ("rs", "re", "reinforce", "bo")
DEFAULT_MO_AGAINST = ("mo-rs", "nsga2", "mo-re")  # for experiments that name objectives
DEFAULT_OUT = Path("reports") / "validate"


@dataclass(frozen=True)
class BenchmarkVerdict:
    benchmark: str
    baseline: str
    p_value: float
    p_holm: float
    prob_better: float  # P(a run of the user's strategy ends with lower regret than a baseline run)
    magnitude: str
    verdict: str  # "better", "worse", "not distinguishable"


@dataclass(frozen=True)
class OverallVerdict:
    baseline: str
    prob_better: float
    low: float
    high: float
    confidence: float
    verdict: str


@dataclass
class Validation:
    strategy: str
    baselines: tuple[str, ...]
    alpha: float
    per_benchmark: list[BenchmarkVerdict]
    overall: list[OverallVerdict]
    report: Path | None = None
    notes: list[str] = field(default_factory=list)


def verdicts(experiment: Experiment, strategy: str, baselines, *, alpha: float = 0.05, seed: int = 0) -> Validation:
    """Compare `strategy` with each baseline on every benchmark of a loaded experiment (pure analysis)."""
    baselines = tuple(b for b in baselines if b != strategy)
    for label in (strategy, *baselines):
        if label not in experiment.strategies:
            raise ConfigError(f"strategy {label!r} is not in {experiment.path}; it has {', '.join(experiment.strategies)}")
    finals = {b: performance.final_regrets(experiment, b) for b in experiment.benchmarks}
    pairs = [(bench, base) for bench in experiment.benchmarks for base in baselines]
    raw = [stats.mann_whitney_p(finals[bench][strategy], finals[bench][base]) for bench, base in pairs]
    adjusted = stats.holm(raw)
    per_benchmark = []
    for (bench, base), p, p_adj in zip(pairs, raw, adjusted):
        prob = stats.prob_beats(finals[bench][strategy], finals[bench][base])
        per_benchmark.append(BenchmarkVerdict(bench, base, p, float(p_adj), prob, stats.a12_magnitude(prob),
                                              stats.verdict(p_adj, prob, alpha)))
    confidence = 1 - alpha / max(1, len(baselines))
    overall = []
    for base in baselines:
        # benchmarks in name order and a stream per pair of names: the interval ignores the config's order
        tasks = [(finals[bench][strategy], finals[bench][base]) for bench in sorted(experiment.benchmarks)]
        est, low, high = stats.probability_of_improvement(tasks, confidence=confidence,
                                                          rng=stats.rng_for(seed, strategy, base))
        verdict = "better" if low > 0.5 else "worse" if high < 0.5 else "not distinguishable"
        overall.append(OverallVerdict(base, est, low, high, confidence, verdict))
    return Validation(strategy, baselines, alpha, per_benchmark, overall)


def format_verdicts(v: Validation, experiment: Experiment) -> str:
    """The lines `benchlab validate` prints."""
    width = max(len(b) for b in v.baselines) if v.baselines else 4
    lines = [
        f"{v.strategy} vs {', '.join(v.baselines)} on {len(experiment.benchmarks)} benchmark(s), "
        f"{len(experiment.seeds)} seeds each (final regret; Mann-Whitney U, Holm over {len(v.per_benchmark)} "
        f"comparisons, alpha={v.alpha}; P = probability that a run of {v.strategy} ends with lower regret)"
    ]
    for bench in experiment.benchmarks:
        lines.append(f"{bench} ({experiment.regret_column[bench].replace('_', ' ')}):")
        for row in (r for r in v.per_benchmark if r.benchmark == bench):
            lines.append(
                f"  vs {row.baseline:<{width}}  {row.verdict:<19}  P={row.prob_better:.2f} ({row.magnitude}), "
                f"p={row.p_value:.3g}, Holm p={row.p_holm:.3g}"
            )
    if v.overall:
        lines.append(
            f"overall (probability of improvement averaged over benchmarks, "
            f"{v.overall[0].confidence:.1%} stratified-bootstrap interval, Bonferroni over {len(v.overall)} baselines):"
        )
        for row in v.overall:
            lines.append(
                f"  vs {row.baseline:<{width}}  {row.verdict:<19}  P={row.prob_better:.2f} "
                f"[{row.low:.2f}, {row.high:.2f}]"
            )
        groups = {}
        for row in v.overall:
            groups.setdefault(row.verdict, []).append(row.baseline)
        summary = "; ".join(
            f"{label} {', '.join(groups[key])}"
            for key, label in (("better", "better than"), ("worse", "worse than"),
                               ("not distinguishable", "not distinguishable from"))
            if key in groups
        )
        lines.append(f"verdict: {v.strategy} is {summary}")
    return "\n".join(lines)


def validate(
    target: str,
    *,
    against=None,
    config_path=None,
    benchmarks=None,
    seeds: int | None = None,
    budget_queries: int | None = None,
    out_dir=None,
    jobs: int | None = None,
    alpha: float = 0.05,
    quiet: bool = False,
) -> tuple[Validation, Experiment]:
    """Check `target` (module:Class) with `check_strategy`, run it and the baselines through the
    harness, then judge and write the report.

    A strategy that breaks the contract stops here with the check's one-line message, before
    anything is written. Baseline runs already in `out_dir` with the same settings are reused;
    the user's own runs are always redone, because their code may have changed while its
    settings did not.
    """
    from algorithms import load_strategy
    from benchlab.analysis.report import compute, write_data
    from benchlab.analysis.report_files import check_report_targets
    from benchlab.harness import storage
    from benchlab.harness.config import load_config
    from benchlab.harness.experiment import run_experiment
    from benchlab.harness.lock import ExperimentLock
    from benchlab.testing import check_strategy

    check_strategy(load_strategy(target))
    if config_path is not None:
        from benchlab.harness.config import _objective_sets
        from benchlab.harness.config_file import read_toml

        multiobjective = any(_objective_sets(read_toml(Path(config_path)).get("objectives"), Path(config_path)))
    else:
        multiobjective = False
    against = tuple(against) if against is not None else (DEFAULT_MO_AGAINST if multiobjective else DEFAULT_AGAINST)
    if not against:
        raise ConfigError("--against needs at least one baseline, e.g. rs,re,reinforce,bo")
    if not 0 < alpha < 1:
        raise ConfigError(f"alpha must be between 0 and 1, got {alpha}")
    config = load_config(
        config_path, name="validate", benchmarks=benchmarks, strategies=list(against), user_strategies=[target],
        seeds=seeds, budget_queries=budget_queries,
    )
    label = next(lab for lab, spec in config.strategies.items() if spec.target == target and lab not in against)
    out_dir = Path(out_dir) if out_dir is not None else DEFAULT_OUT
    # everything about the folder is checked before the user's old runs are removed
    storage.check_layout(out_dir, [])
    storage.check_writable(out_dir)
    if out_dir.exists():
        check_report_targets(out_dir)
    if not quiet:
        for note in config.notes:
            print(f"note: {note}", file=sys.stderr)
        print(f"validate: {label} and {', '.join(against)} on {len(config.benchmarks)} benchmarks x "
              f"{config.seeds} seeds -> {out_dir} (baseline runs already there are reused)", file=sys.stderr)
    out_dir.mkdir(parents=True, exist_ok=True)
    with ExperimentLock(out_dir) as lock:
        for bench in config.benchmarks:
            for seed in range(config.seeds):
                run_file(out_dir, bench, label, seed).unlink(missing_ok=True)
        summary = run_experiment(config, out_dir, jobs=jobs, quiet=quiet, lock=lock)
        if summary.damaged:
            print(f"benchlab: warning: {summary.damaged_note()}", file=sys.stderr)
        if summary.failed:
            # no report from an incomplete grid: say what failed, where its traceback is, and stop
            raise UserError(f"{summary.n_failed} of {summary.total} runs failed, so no report was written; "
                            f"{summary.first_failure()}; fix it and run the same command again")
        experiment = load_experiment(out_dir)
        result = verdicts(experiment, label, against, alpha=alpha)
        data = compute(experiment, alpha=alpha)
        data.preface = [("h2", f"Validation of {label}"), ("pre", format_verdicts(result, experiment))]
        result.report = write_data(data, out_dir)
    return result, experiment
