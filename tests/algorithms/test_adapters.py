"""Optuna and Nevergrad optimizers behind ask/tell: names, seeds, failures, missing extras."""

from __future__ import annotations

import inspect
import json
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest

from algorithms import load_strategy
from algorithms.adapters import nevergrad_optimizer, optuna_sampler
from algorithms.adapters.base import MissingExtraError
from algorithms.base import Feedback
from algorithms.hyperparameters import HyperparameterError
from benchlab.cli import main
from benchlab.errors import UnknownNameError
from benchlab.run.simulator import Budget, simulate
from tests.algorithms.test_reinforce import AliasingSpace
from tests.harness.helpers import TOY, toy_config
from tests.toy import make_toy_benchmark

optuna = pytest.importorskip("optuna")
pytest.importorskip("nevergrad")


def _run(name: str, seed: int, queries: int = 25, **params):
    bench = make_toy_benchmark()
    strategy = load_strategy(name)(bench.space, np.random.default_rng(seed), **params)
    return simulate(bench, strategy, Budget(queries=queries), np.random.default_rng(seed + 1), workers=2)


@pytest.mark.parametrize("name", ["optuna:TPESampler", "optuna:RandomSampler", "nevergrad:NGOpt",
                                  "nevergrad:DiscreteOnePlusOne"])
def test_runs_are_reproducible_from_the_seed(name):
    queries = 25
    a, b, c = _run(name, 3, queries), _run(name, 3, queries), _run(name, 4, queries)
    assert a.columns["arch_key"] == b.columns["arch_key"] and len(a) == queries
    np.testing.assert_array_equal(a.columns["valid_observed"], b.columns["valid_observed"])
    assert a.columns["arch_key"] != c.columns["arch_key"]


def test_sampler_keyword_arguments_are_hyperparameters():
    cls = load_strategy("optuna:TPESampler")
    bench = make_toy_benchmark()
    strategy = cls(bench.space, np.random.default_rng(0), n_startup_trials=3)
    assert strategy.n_startup_trials == 3 and strategy.multivariate is None  # given, and the default
    assert strategy.study.sampler._n_startup_trials == 3
    assert "seed" not in inspect.signature(cls).parameters  # the seed comes from the strategy's generator
    with pytest.raises(TypeError):
        cls(bench.space, np.random.default_rng(0), no_such_option=1)
    with pytest.raises(HyperparameterError, match="n_startup_trials must be an integer"):
        cls(bench.space, np.random.default_rng(0), n_startup_trials="ten")


def test_load_strategy_names_the_choices_for_an_unknown_class():
    with pytest.raises(UnknownNameError, match="optuna:TPESampler"):
        load_strategy("optuna:TPE")
    with pytest.raises(UnknownNameError, match="NGOpt"):
        load_strategy("nevergrad:NGOp")


def test_invalid_vectors_are_told_to_optuna_as_failures_and_not_proposed():
    strategy = load_strategy("optuna:RandomSampler")(AliasingSpace(), np.random.default_rng(0))
    asked = [strategy.ask() for _ in range(30)]
    assert all(arch[0] != 4 for arch in asked)
    failed = [t for t in strategy.study.trials if t.state == optuna.trial.TrialState.FAIL]
    assert strategy.invalid_told == len(failed) > 0
    assert all(t.params["d0"] == 4 for t in failed)
    assert strategy.counts()["invalid_told"] == len(failed)


def test_invalid_vectors_are_told_to_nevergrad_with_the_penalty():
    strategy = load_strategy("nevergrad:RandomSearch")(AliasingSpace(), np.random.default_rng(0))
    told = []
    strategy._optimizer()
    original = strategy.optimizer.tell
    strategy.optimizer.tell = lambda candidate, loss: (told.append((candidate.value["d0"], loss)),
                                                       original(candidate, loss))
    for _ in range(30):
        arch = strategy.ask()
        assert arch[0] != 4
        strategy.tell(arch, Feedback(valid=0.25, cost=1.0))
    penalties = [loss for d0, loss in told if d0 == 4]
    assert len(penalties) == strategy.invalid_told > 0
    assert set(penalties) <= {1.0, 0.75} and penalties[-1] == 0.75  # 1.0 before any result, then worst + 1
    assert all(loss == -0.25 for d0, loss in told if d0 != 4)


def test_nevergrad_is_told_the_run_budget():
    bench = make_toy_benchmark()
    strategy = load_strategy("nevergrad:NGOpt")(bench.space, np.random.default_rng(0))
    simulate(bench, strategy, Budget(queries=15), np.random.default_rng(1))
    assert strategy.optimizer.budget == 15


def test_a_told_architecture_the_library_did_not_ask_for_is_added():
    bench = make_toy_benchmark()
    strategy = load_strategy("optuna:TPESampler")(bench.space, np.random.default_rng(0))
    strategy.tell((1, 2, 3, 4), Feedback(valid=0.7, cost=1.0))
    (trial,) = strategy.study.trials
    assert trial.params == {"d0": 1, "d1": 2, "d2": 3, "d3": 4} and trial.value == 0.7


@pytest.mark.parametrize("module, name, extra", [(optuna_sampler, "optuna:TPESampler", "benchlab[optuna]"),
                                                 (nevergrad_optimizer, "nevergrad:NGOpt", "benchlab[nevergrad]")])
def test_without_the_extra_naming_the_strategy_is_one_clear_error(monkeypatch, tmp_path, capsys, module, name, extra):
    monkeypatch.setitem(sys.modules, name.partition(":")[0], None)  # import fails as if not installed
    module.strategy_class.cache_clear()
    try:
        with pytest.raises(MissingExtraError, match=extra.replace("[", r"\[").replace("]", r"\]")):
            load_strategy(name)
        out = tmp_path / "exp"
        assert main(["compare", str(toy_config(tmp_path)), "--out", str(out), "-q", "--strategy", name]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("benchlab: error:") and f"pip install '{extra}'" in err
        assert not out.exists()
    finally:
        module.strategy_class.cache_clear()


def test_compare_runs_adapters_beside_built_ins_and_counts_invalid_tells(tmp_path, capsys):
    strategies = ('[strategies.rs]\nname = "rs"\n[strategies.tpe]\nname = "optuna:TPESampler"\n'
                  'hyperparameters = { n_startup_trials = 5 }\n[strategies.ngopt]\nname = "nevergrad:NGOpt"\n')
    config = toy_config(tmp_path, seeds=2, queries=15, strategies=strategies)
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        assert main(["compare", str(config), "--out", str(out), "-q", "--jobs", "1", "--benchmarks", TOY]) == 0
    for label in ("tpe", "ngopt"):
        for seed in range(2):
            files = [out / "runs" / "tests.toy_make_toy_benchmark" / label / f"seed-{seed:04d}.parquet"
                     for out in (first, second)]
            a, b = (pq.read_table(f) for f in files)
            assert a.column("arch_key").to_pylist() == b.column("arch_key").to_pylist()  # identical runs twice
            meta = json.loads(a.schema.metadata[b"benchlab"])
            assert meta["strategy_counts"] == {"invalid_told": 0, "random_fallbacks": 0}
    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["strategies"]["tpe"]["params"]["n_startup_trials"] == 5
    assert manifest["versions"]["optuna"] and manifest["versions"]["nevergrad"]


@pytest.mark.parametrize("params, message", [("{ n_startup = 5 }", "n_startup"),
                                             ("{ n_startup_trials = 2.5 }", "n_startup_trials must be an integer")])
def test_bad_sampler_keywords_in_an_experiment_are_a_config_error(tmp_path, capsys, params, message):
    strategies = f'[strategies.tpe]\nname = "optuna:TPESampler"\nhyperparameters = {params}\n'
    out = tmp_path / "exp"
    assert main(["compare", str(toy_config(tmp_path, strategies=strategies)), "--out", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and not out.exists()
