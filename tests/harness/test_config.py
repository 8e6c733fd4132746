import tomllib

import pytest

from algorithms import MULTI_OBJECTIVE, NOT_IN_DEFAULT_COMPARISON, STRATEGIES
from benchlab.errors import ConfigError
from benchlab.harness import benchmarks as harness_benchmarks
from benchlab.harness.config import DEFAULT_CONFIG, load_config
from tests.harness.helpers import TOY, TOY_NO_TEST, toy_config, write_config


def test_toy_config_loads(tmp_path):
    config = load_config(toy_config(tmp_path))
    assert config.name == "toy-exp" and config.seed == 7 and config.seeds == 3
    assert config.benchmarks == (TOY, TOY_NO_TEST)
    assert list(config.strategies) == ["rs", "rs-dedupe"]
    assert config.strategies["rs-dedupe"].params == {"dedupe": True}
    assert config.strategies["rs"].target == STRATEGIES["rs"]
    assert config.budget.queries == 20 and config.budget.time is None
    assert config.n_runs == 2 * 2 * 3


def test_flags_override_the_file(tmp_path):
    config = load_config(
        toy_config(tmp_path),
        benchmarks=[TOY],
        strategies=["rs-dedupe", "rs"],
        user_strategies=["tests.harness.helpers:SlowSearch"],
        seeds=5,
        budget_queries=7,
        budget_time=1e5,
        workers=4,
    )
    assert config.benchmarks == (TOY,)
    assert list(config.strategies) == ["rs-dedupe", "rs", "SlowSearch"]
    assert config.strategies["rs-dedupe"].params == {"dedupe": True}  # label keeps its hyperparameters
    assert config.strategies["SlowSearch"].target == "tests.harness.helpers:SlowSearch"
    assert (config.seeds, config.budget.queries, config.budget.time, config.workers) == (5, 7, 1e5, 4)


def test_selectors_and_optional_benchmarks(tmp_path, monkeypatch):
    monkeypatch.setattr("benchlab.harness.config.default_benchmarks", lambda: [(TOY, True), ("absent/one", False)])
    path = write_config(
        tmp_path / "e.toml",
        'benchmarks = ["@default"]\noptional_benchmarks = ["no.such.module:factory", "'
        + TOY_NO_TEST
        + '"]\n[budget]\nqueries = 5\n[strategies.rs]\nname = "rs"\n',
    )
    config = load_config(path)
    assert config.benchmarks == (TOY, TOY_NO_TEST)
    assert any("absent/one" in note for note in config.notes)
    assert any("no.such.module" in note for note in config.notes)


# the predictor-based strategies are opt-in: BANANAS/NPENAS train an ensemble every 10
# evaluations (minutes over the default grid) and the zero-cost warm-up needs torch


def test_default_experiment_file_is_well_formed():
    raw = tomllib.loads(DEFAULT_CONFIG.read_text())
    assert raw["seeds"] == 20 and raw["budget"]["queries"] > 0
    assert {entry["name"] for entry in raw["strategies"].values()} == set(STRATEGIES) - NOT_IN_DEFAULT_COMPARISON
    multiobjective = tomllib.loads((DEFAULT_CONFIG.parent / "multiobjective.toml").read_text())
    assert {entry["name"] for entry in multiobjective["strategies"].values()} == set(MULTI_OBJECTIVE)
    assert multiobjective["seeds"] == 20 and multiobjective["objectives"] == [["valid", "params"], ["valid", "latency"]]
    assert raw["benchmarks"] == ["@default"]


@pytest.mark.slow
def test_default_experiment_loads_when_every_benchmark_module_is_installed():
    try:
        expected = [name for name, present in harness_benchmarks.default_benchmarks() if present]
    except ModuleNotFoundError as exc:
        pytest.skip(f"benchmark module missing in this build: {exc.name}")
    config = load_config()
    assert config.seeds == 20
    assert list(config.benchmarks[: len(expected)]) == expected
    assert any(name.startswith("nb201/") for name in config.benchmarks)
    assert set(config.strategies) == set(STRATEGIES) - NOT_IN_DEFAULT_COMPARISON


TOP, BUDGET, STRATS = f'name = "bad"\nbenchmarks = ["{TOY}"]\n', "[budget]\nqueries = 5\n", '[strategies.rs]\nname = "rs"\n'
BAD = [  # (top-level lines, [budget] table, strategy tables, expected message)
    (TOP + 'nmae = "x"\n', BUDGET, STRATS, "unknown key 'nmae'"),
    (TOP, "[budget]\nqueries = -5\n", STRATS, "positive"),
    (TOP, "[budget]\ntime = -1.0\n", STRATS, "positive"),
    (TOP, "[budget]\nquerys = 5\n", STRATS, "unknown key 'querys'"),
    ('benchmarks = ["no/such-benchmark"]\n', BUDGET, STRATS, "no/such-benchmark"),
    (TOP, BUDGET, '[strategies.x]\nname = "nope"\n', "unknown strategy 'nope'"),
    (TOP, BUDGET, '[strategies.x]\nname = "rs"\nbad = 1\n', "unknown key 'bad'"),
    (TOP, BUDGET, '[strategies.x]\nclass = "no_such_pkg.mod:Cls"\n', "no_such_pkg"),
    (TOP, BUDGET, '[strategies.x]\nname = "rs"\nhyperparameters = { population = 3 }\n', "bad hyperparameters"),
    (TOP + "seeds = 0\n", BUDGET, STRATS, "seeds must be at least 1"),
    (TOP + 'requery = "sometimes"\n', BUDGET, STRATS, "requery"),
    (TOP + "this is = not [toml\n", BUDGET, STRATS, "not valid TOML"),
    (TOP + 'requery = "cache"\n', "[budget]\ntime = 100.0\n", STRATS, "add budget queries"),
]


@pytest.mark.parametrize("top, budget, strategies, message", BAD)
def test_bad_configs_are_one_line_config_errors(tmp_path, top, budget, strategies, message):
    path = write_config(tmp_path / "bad.toml", top + budget + strategies)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path)
    assert "\n" not in str(info.value)


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.toml")


def test_duplicate_user_strategy_label_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="used twice"):
        load_config(toy_config(tmp_path), user_strategies=["tests.harness.helpers:SlowSearch"] * 2)


def test_user_strategy_must_be_module_colon_class(tmp_path):
    with pytest.raises(ConfigError, match="module:Class"):
        load_config(toy_config(tmp_path), user_strategies=["SlowSearch"])


def test_full_runs_every_shipped_benchmark_with_data(tmp_path, monkeypatch):
    monkeypatch.setattr("benchlab.harness.config.shipped_benchmarks",
                        lambda: [(TOY, True), (TOY_NO_TEST, True), ("nb101", False)])
    config = load_config(toy_config(tmp_path), full=True)
    assert config.benchmarks == (TOY, TOY_NO_TEST)
    assert config.notes == ("skipping nb101: its data is not present",)


def test_unknown_selector_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="selector"):
        load_config(toy_config(tmp_path), benchmarks=["@everything"])
