"""The `observation` and `protocol` settings of an experiment: applied, recorded, or refused."""

from __future__ import annotations

import json

import pytest

from benchlab.cli import main
from benchlab.errors import UserError
from benchlab.harness.config import load_config
from benchlab.harness.protocols import PROTOCOLS
from tests.harness.helpers import TOY, TOY_NO_TEST, write_config


def _config(tmp_path, extra: str, benchmarks=(TOY,), budget: str = "[budget]\nqueries = 12\n"):
    names = ", ".join(f'"{b}"' for b in benchmarks)
    return write_config(tmp_path / "exp.toml", f'name = "p"\nseeds = 2\nbenchmarks = [{names}]\n{extra}\n'
                                                f'{budget}[strategies.rs]\nname = "rs"\n')


def test_observation_reaches_runs_manifest_and_report(tmp_path):
    out = tmp_path / "out"
    assert main(["compare", str(_config(tmp_path, 'observation = "mean"')), "--out", str(out), "-q", "--jobs", "1"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["observation"] == "mean" and manifest["observation"] == "mean"
    assert "observation = 'mean': a query returns the mean over the recorded repeats" in (out / "report.md").read_text()


def test_default_observation_is_sample(tmp_path):
    config = load_config(_config(tmp_path, ""))
    assert config.observation == "sample" and config.protocol is None and config.signal_fidelity is None


def test_a_protocol_fixes_observation_and_budget(tmp_path):
    config = load_config(_config(tmp_path, 'protocol = "naszilla"', budget=""))
    assert config.observation == "mean" and config.budget.queries == 150 and config.budget.time is None
    assert config.as_dict()["protocol"]["source"] == PROTOCOLS["naszilla"].source


def test_the_report_names_the_protocol_and_its_source(tmp_path):
    out = tmp_path / "out"
    path = _config(tmp_path, 'protocol = "naszilla"\nseed = 1', budget="")
    assert main(["compare", str(path), "--out", str(out), "-q", "--jobs", "1", "--seeds", "1"]) == 0
    text = (out / "report.md").read_text()
    assert "Named protocol 'naszilla' (White et al., BANANAS" in text


@pytest.mark.parametrize("extra, benchmarks, budget, message", [
    ('observation = "median"', (TOY,), None, "observation must be"),
    ('observation = "repeat:x"', (TOY,), None, "observation must be"),
    ('observation = "repeat:3"', (TOY,), None, "at most 3 repeat"),
    ('protocol = "darts"', (TOY,), "", "unknown protocol 'darts'; use one of naszilla, nb201"),
    ('protocol = "naszilla"', (TOY,), None, "protocol 'naszilla' fixes the budget"),
    ('protocol = "naszilla"\nobservation = "mean"', (TOY,), "", "fixes the observation"),
    ('protocol = "naszilla"', (TOY_NO_TEST,), "", "records no test metric"),
    ('protocol = "nb201"', (TOY,), "", "defined for nb201/* only"),
])
def test_bad_settings_exit_2_with_one_line_and_write_nothing(tmp_path, capsys, extra, benchmarks, budget, message):
    path = _config(tmp_path, extra, benchmarks, **({} if budget is None else {"budget": budget}))
    out = tmp_path / "out"
    assert main(["compare", str(path), "--out", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("benchlab: error:") and err.count("\n") == 1 and message in err
    assert not out.exists()


def test_a_protocol_budget_flag_conflicts(tmp_path, capsys):
    path = _config(tmp_path, 'protocol = "naszilla"', budget="")
    assert main(["compare", str(path), "--out", str(tmp_path / "o"), "-q", "--budget-queries", "50"]) == 2
    assert "fixes the budget" in capsys.readouterr().err


def test_nb201s_own_protocol_needs_the_12_epoch_signal_the_shipped_table_lacks(tmp_path):
    from benchlab.benchmarks.registry import get_benchmark

    try:
        get_benchmark("nb201/cifar10")
    except (UserError, ImportError) as exc:
        pytest.skip(f"nb201/cifar10 unavailable: {exc}")
    with pytest.raises(UserError, match="needs the 12-epoch validation signal.*has: 200"):
        load_config(_config(tmp_path, 'protocol = "nb201"', ("nb201/cifar10",), budget=""))
