"""Every registered predictor honours the contract of benchlab.predictors.base."""

from __future__ import annotations

import numpy as np
import pytest

from benchlab.errors import UnknownNameError
from benchlab.predictors import PREDICTORS, load_predictor, make_predictor
from benchlab.spaces.nb201 import NB201Space
from tests.toy import make_toy_space

# small but working settings so the contract checks stay fast
FAST = {"mlp-ensemble": {"epochs": 20}, "gbt": {"n_estimators": 50}, "rf": {"n_estimators": 20}, "gp": {}}


def _data(space, n: int, seed: int):
    rng = np.random.default_rng(seed)
    archs = [space.sample(rng) for _ in range(n)]
    score = np.array([sum(a) for a in archs], dtype=float) / 24 + rng.normal(0, 0.01, n)
    return archs, score


def _fitted(name, space, seed, archs, scores):
    predictor = make_predictor(name, space, np.random.default_rng(seed), **FAST[name])
    return predictor, predictor.fit(predictor.encode(archs), scores)


def test_every_predictor_has_fast_settings():
    assert set(FAST) == set(PREDICTORS)


@pytest.mark.parametrize("space", [NB201Space(), make_toy_space()], ids=["nb201", "toy"])
@pytest.mark.parametrize("name", sorted(PREDICTORS))
def test_fits_and_predicts_the_right_shapes(name, space):
    archs, scores = _data(space, 40, 0)
    predictor, fitted = _fitted(name, space, 0, archs, scores)
    assert fitted is predictor
    test_archs, _ = _data(space, 17, 1)
    mean, std = predictor.predict(predictor.encode(test_archs))
    assert mean.shape == (17,) and np.all(np.isfinite(mean))
    assert std is None or (std.shape == (17,) and np.all(std >= 0))
    # it learnt something: the training scores are ranked better than by chance
    train_mean, _ = predictor.predict(predictor.encode(archs))
    assert np.corrcoef(train_mean, scores)[0, 1] > 0.3


@pytest.mark.parametrize("name", sorted(PREDICTORS))
def test_same_seed_same_predictions_different_seed_different(name):
    space = NB201Space()
    archs, scores = _data(space, 40, 0)
    test_archs, _ = _data(space, 30, 2)
    first, _ = _fitted(name, space, 7, archs, scores)
    again, _ = _fitted(name, space, 7, archs, scores)
    other, _ = _fitted(name, space, 8, archs, scores)
    X = first.encode(test_archs)
    m1, s1 = first.predict(X)
    m2, s2 = again.predict(X)
    np.testing.assert_array_equal(m1, m2)
    if s1 is not None:
        np.testing.assert_array_equal(s1, s2)
    if first.stochastic:
        assert not np.array_equal(m1, other.predict(X)[0])


@pytest.mark.parametrize("name", sorted(PREDICTORS))
def test_predict_before_fit_and_bad_shapes_are_refused(name):
    space = NB201Space()
    predictor = make_predictor(name, space, np.random.default_rng(0), **FAST[name])
    with pytest.raises(RuntimeError, match="before fit"):
        predictor.predict(np.zeros((2, 84)))
    with pytest.raises(ValueError, match="scores"):
        predictor.fit(np.zeros((3, 84)), np.zeros(4))
    with pytest.raises(TypeError, match="Generator"):
        load_predictor(name)(space, 0)
    assert "encoding" in predictor.get_params()


def test_unknown_predictor_names_the_known_ones():
    with pytest.raises(UnknownNameError, match="mlp-ensemble"):
        load_predictor("bananas-net")
