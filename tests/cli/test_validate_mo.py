"""A user's multi-objective strategy works with --strategy module:Class and `benchlab validate`."""

from __future__ import annotations

import json

from benchlab.cli import main


def test_user_multiobjective_strategy_in_compare_and_validate(tmp_path, capsys):
    config = tmp_path / "mo.toml"
    config.write_text('name = "mo"\nseeds = 2\nbenchmarks = ["tests.toy:toy_multiobjective"]\n'
                      'objectives = ["valid", "params"]\n[budget]\nqueries = 20\n[strategies.nsga2]\nname = "nsga2"\n')
    out = tmp_path / "compare"
    code = main(["compare", str(config), "--strategy", "tests.cli.user_mo:SmallestFirst", "--out", str(out),
                 "-q", "--jobs", "1", "--no-report"])
    assert code == 0 and len(list(out.glob("runs/*/SmallestFirst/*.parquet"))) == 2
    code = main(["validate", "tests.cli.user_mo:SmallestFirst", "--config", str(config), "--against", "mo-rs",
                 "--out", str(tmp_path / "validate"), "-q", "--jobs", "1"])
    printed = capsys.readouterr().out
    assert code == 0 and "vs mo-rs" in printed and "hv regret" in printed
    manifest = json.loads((tmp_path / "validate" / "manifest.json").read_text())
    assert manifest["config"]["objectives"] == {"tests.toy:toy_multiobjective": ["valid", "params"]}
