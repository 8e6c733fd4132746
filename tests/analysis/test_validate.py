import pytest

from benchlab.analysis.load import load_experiment
from benchlab.analysis.validate import format_verdicts, verdicts
from benchlab.errors import ConfigError
from tests.analysis.synthetic import write_experiment


def test_a_clearly_better_strategy_is_better_everywhere(experiment_dir):
    e = load_experiment(experiment_dir)
    v = verdicts(e, "good", ["plain", "plain-twin"])
    assert len(v.per_benchmark) == 4 and {r.verdict for r in v.per_benchmark} == {"better"}
    assert all(r.p_holm >= r.p_value for r in v.per_benchmark)
    assert [o.verdict for o in v.overall] == ["better", "better"]
    assert v.overall[0].confidence == pytest.approx(1 - 0.05 / 2)
    text = format_verdicts(v, e)
    assert "verdict: good is better than plain, plain-twin" in text and "Holm over 4 comparisons" in text


def test_worse_and_identical(experiment_dir):
    e = load_experiment(experiment_dir)
    v = verdicts(e, "plain", ["good", "plain-twin"])
    by = {(r.benchmark, r.baseline): r.verdict for r in v.per_benchmark}
    assert by[("toy/a", "good")] == "worse" and by[("toy/a", "plain-twin")] == "not distinguishable"
    overall = {o.baseline: o.verdict for o in v.overall}
    assert overall == {"good": "worse", "plain-twin": "not distinguishable"}
    assert "worse than good; not distinguishable from plain-twin" in format_verdicts(v, e)


def test_unknown_labels_are_named(experiment_dir):
    with pytest.raises(ConfigError, match="'bo' is not in"):
        verdicts(load_experiment(experiment_dir), "good", ["bo"])


@pytest.mark.slow
def test_null_validations_rarely_claim_a_difference(tmp_path):
    # 20 experiments where the user's strategy equals the baseline: overall verdicts should be "not distinguishable".
    claims = 0
    for i in range(20):
        root = write_experiment(tmp_path / f"null{i}", {"mine": 0.03, "rs": 0.03}, benchmarks=("t/1", "t/2"),
                                seeds=10, queries=10, rng_seed=i)
        v = verdicts(load_experiment(root), "mine", ["rs"])
        claims += v.overall[0].verdict != "not distinguishable"
    assert claims <= 3  # expected about 1 in 20 at 95%
