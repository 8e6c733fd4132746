"""`benchlab predictors`: how well do performance predictors and zero-cost proxies rank cells?

    benchlab predictors BENCH[,BENCH...] [--predictors NAME[,NAME...]] [--train-sizes 10,20,...]
                        [--sample N] [--seeds K] [--out DIR] [--proxy-data SOURCE] [--proxy-batch B]

Writes correlations.csv, summary.csv, runs.csv, figures/ and index.html into
DIR (default reports/predictors-<benchmarks>/).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchlab.errors import ConfigError
from benchlab.paths import reports_dir

DEFAULT_PREDICTORS = "mlp-ensemble,gbt,rf,gp"


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "predictors",
        help="rank correlation of performance predictors and zero-cost proxies on held-out cells",
        description="For each benchmark and predictor, fit on n random cells and rank a held-out sample "
        "(Spearman rho, Kendall tau, precision of the top 1%%/5%%, bootstrap intervals); zero-cost proxies "
        "(params, flops, synflow, snip, grad_norm, jacob_cov, nwot; PyTorch needed) rank the sample unfitted.",
    )
    p.add_argument("benchmarks", help="comma-separated benchmark names, e.g. nb201/cifar10")
    p.add_argument("--predictors", default=DEFAULT_PREDICTORS,
                   help=f"comma-separated predictor and proxy names (default {DEFAULT_PREDICTORS})")
    p.add_argument("--train-sizes", default="10,20,50,100,200,500", help="training-set sizes (default 10,20,50,100,200,500)")
    p.add_argument("--sample", type=int, default=1000, help="held-out cells per seed, and cells the proxies score (default 1000)")
    p.add_argument("--seeds", type=int, default=5, help="repeats with fresh training and test sets (default 5)")
    p.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    p.add_argument("--out", type=Path, help="report folder (default reports/predictors-<benchmarks>)")
    p.add_argument("--proxy-data", default="cifar10",
                   help="batch source of the data-dependent proxies: cifar10 (data/cifar10), cifar10:DIR, npz:PATH or noise")
    p.add_argument("--proxy-batch", type=int, default=64, help="images in that batch (default 64)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=run)


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(sorted({int(part) for part in _names(text)}))
    except ValueError:
        raise ConfigError(f"--train-sizes must be comma-separated whole numbers such as 10,20,50, got {text!r}") from None
    if not sizes or sizes[0] < 2:
        raise ConfigError(f"--train-sizes needs sizes of at least 2 cells, got {text!r}")
    return sizes


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from benchlab.benchmarks.registry import get_benchmark
    from benchlab.harness.storage import slug
    from benchlab.predictors import PREDICTORS, PROXIES, load_predictor
    from benchlab.predictors import evaluation as ev
    from benchlab.predictors.report import write_report

    benchmarks = _names(args.benchmarks)
    names = _names(args.predictors)
    if not benchmarks:
        raise ConfigError("name at least one benchmark, e.g. benchlab predictors nb201/cifar10")
    if not names:
        raise ConfigError(f"--predictors names none; use some of {', '.join([*PREDICTORS, *PROXIES])}")
    if args.seeds < 1:
        raise ConfigError(f"--seeds must be at least 1, got {args.seeds}")
    if args.proxy_batch < 2:
        raise ConfigError(f"--proxy-batch must be at least 2, got {args.proxy_batch}")
    settings = ev.Settings(train_sizes=_sizes(args.train_sizes), sample=args.sample, seeds=args.seeds,
                           base_seed=args.seed, proxy_data=args.proxy_data, proxy_batch=args.proxy_batch)
    models = [n for n in names if n not in PROXIES]
    proxies = [n for n in names if n in PROXIES]
    for name in models:
        load_predictor(name)  # unknown names fail before any work
    out = args.out or reports_dir() / ("predictors-" + "+".join(slug(b) for b in benchmarks))
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file; give a folder")
    say = (lambda message: None) if args.quiet else (lambda message: print(message, file=sys.stderr))

    # everything the user named is checked (data present, sizes possible, proxies available)
    # before the first fit, so a mistake costs nothing and leaves no files
    opened = []
    for name in benchmarks:
        bench = get_benchmark(name)
        if not hasattr(bench, "table"):
            raise ConfigError(f"{name} is not a tabular benchmark; the predictor benchmark needs recorded scores")
        ev.check_sizes(name, int(sum(1 for _ in range(len(bench.table.keys)))), settings)
        opened.append((name, bench, ev.proxy_scorers(name, bench, proxies, settings, progress=not args.quiet)))
    per_seed, proxy_rows = [], []
    for name, bench, scorers in opened:
        per_seed.append(ev.evaluate_predictors(name, bench, models, settings, progress=say))
        proxy_rows.append(ev.evaluate_proxies(name, bench, scorers, settings))
    per_seed_frame = pd.concat(per_seed, ignore_index=True)
    summary = ev.summarise(per_seed_frame, pd.concat(proxy_rows, ignore_index=True))
    written = write_report(out, f"Predictor benchmark: {', '.join(benchmarks)}", summary, per_seed_frame)
    if not args.quiet:
        shown = summary[["benchmark", "predictor", "n_train", "spearman", "kendall", "precision_top5"]]
        print(shown.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"wrote {len(written)} files to {out}")
    return 0
