"""The zero-cost warm-up: RE/LS started from the proxy's best cells, proxy time charged."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from algorithms import load_strategy  # noqa: E402
from algorithms.base import Feedback  # noqa: E402
from benchlab.errors import ConfigError  # noqa: E402
from benchlab.run.simulator import Budget, simulate  # noqa: E402
from benchlab.train.nb201_network import parameter_count  # noqa: E402
from tests.acceptance import benchmark_or_skip  # noqa: E402
from tests.algorithms.loop import run_loop  # noqa: E402
from tests.toy import make_toy_space  # noqa: E402

# "params" is exact and fast, so the ranking the warm-up must follow is known
FAST = {"proxy": "params", "n_scored": 12}


@pytest.fixture(scope="module")
def nb201():
    return benchmark_or_skip("nb201/cifar10")


@pytest.fixture(scope="module", autouse=True)
def _private_cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BENCHLAB_DATA_DIR", str(tmp_path_factory.mktemp("data")))
        yield


def _make(nb201, seed=0, **params):
    return load_strategy("zc-warmup")(nb201.space, np.random.default_rng(seed), **{**FAST, **params})


def test_re_population_is_the_proxy_best_of_the_scored_cells(nb201):
    strategy = _make(nb201, search_params={"population_size": 8, "sample_size": 3})
    asked = [strategy.ask() for _ in range(8)]
    counts = [parameter_count(a) for a in asked]
    assert counts == sorted(counts, reverse=True)
    assert len({nb201.space.key(a) for a in asked}) == 8
    # the scored cells are those the strategy's generator draws: none outside them beats them
    replay = np.random.default_rng(0)
    scored = []
    while len(scored) < 12:
        arch = nb201.space.sample(replay)
        if arch not in scored:
            scored.append(arch)
    assert counts == sorted((parameter_count(a) for a in scored), reverse=True)[:8]
    for arch in asked:
        strategy.tell(arch, Feedback(valid=0.5, cost=1.0))
    assert nb201.space.is_valid(strategy.ask())  # evolution carries on


def test_ls_starts_at_the_proxy_best_cell(nb201):
    strategy = _make(nb201, search="ls")
    start = strategy.ask()
    assert nb201.space.is_valid(start)
    other = _make(nb201, search="re")
    assert parameter_count(start) == parameter_count(other.ask())


def test_proxy_time_is_charged_to_the_clock_unless_free(nb201):
    charged = simulate(nb201, _make(nb201, proxy_cost=2.0), Budget(queries=5), np.random.default_rng(1))
    assert charged.columns["sim_start"][0] == pytest.approx(24.0)  # 12 cells x 2 s
    free = simulate(nb201, _make(nb201, proxy_cost="free"), Budget(queries=5), np.random.default_rng(1))
    assert free.columns["sim_start"][0] == 0.0
    measured = _make(nb201)
    result = simulate(nb201, measured, Budget(queries=5), np.random.default_rng(1))
    assert measured.proxy_seconds > 0 and result.columns["sim_start"][0] == pytest.approx(measured.proxy_seconds)
    # later evaluations are not charged again
    assert measured.take_charged_seconds() == 0.0


def test_same_seed_same_run_and_proposals_valid(nb201):
    runs = [run_loop(nb201, _make(nb201, seed=s, search_params={"population_size": 8}), 20, np.random.default_rng(5))
            for s in (3, 3, 4)]
    assert runs[0].keys == runs[1].keys and runs[0].keys != runs[2].keys
    for arch in runs[0].archs:
        nb201.space.validate(arch)


def test_a_space_without_a_network_is_refused_with_the_reason():
    strategy = load_strategy("zc-warmup")(make_toy_space(), np.random.default_rng(0), **FAST)
    with pytest.raises(ConfigError, match="network"):
        strategy.ask()


def test_bad_settings_are_refused(nb201):
    with pytest.raises(ValueError, match="proxy_cost"):
        _make(nb201, proxy_cost="cpu")
    with pytest.raises(ValueError, match="search"):
        _make(nb201, search="bo")
