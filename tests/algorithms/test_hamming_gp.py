"""The Hamming-kernel GP: analytic gradient, conditioning, predictions."""

from __future__ import annotations

import numpy as np
from scipy.optimize import check_grad

from algorithms.hamming_gp import HammingGP

SIZES = (2, 3, 4, 9, 9)


def _data(n, seed=0):
    rng = np.random.default_rng(seed)
    X = np.stack([rng.integers(s, size=n) for s in SIZES], axis=1)
    y = (X[:, 0] == 1) + 0.3 * X[:, 2] + rng.normal(0, 0.1, n)
    return X, y


def _naive_kernel(gp, A, B):
    return np.exp(-((A[:, None, :] != B[None, :, :]) @ gp.weights))


def test_gradient_of_the_negative_log_posterior_matches_finite_differences():
    X, y = _data(40)
    gp = HammingGP(SIZES).fit(X, y, optimise=False)
    theta = np.random.default_rng(1).normal(-1, 0.5, len(SIZES) + 1)
    value = lambda t: gp._negative_log_posterior(t)[0]  # noqa: E731
    gradient = lambda t: gp._negative_log_posterior(t)[1]  # noqa: E731
    assert check_grad(value, gradient, theta) < 1e-4 * np.linalg.norm(gradient(theta))


def test_predictions_are_the_textbook_posterior():
    X, y = _data(50)
    gp = HammingGP(SIZES).fit(X, y, optimise=True)
    Z, _ = _data(20, seed=2)
    K = _naive_kernel(gp, X, X) + np.exp(gp.theta[-1]) * np.eye(len(X))
    K_star = _naive_kernel(gp, Z, X)
    z = (y - y.mean()) / y.std()
    mean = K_star @ np.linalg.solve(K, z) * y.std() + y.mean()
    std = np.sqrt(1 - np.einsum("ij,ji->i", K_star, np.linalg.solve(K, K_star.T))) * y.std()
    got_mean, got_std = gp.predict(Z)
    np.testing.assert_allclose(got_mean, mean, rtol=1e-8)
    np.testing.assert_allclose(got_std, std, rtol=1e-6)


def test_conditioning_on_growing_data_equals_a_fresh_fit():
    """Small noise and near-repeated rows: the case where an inverse extended point by point
    loses accuracy; each conditioning stays exact."""
    X, y = _data(60)
    stepwise = HammingGP(SIZES).fit(X[:20], y[:20], optimise=True)
    stepwise.theta[-1] = np.log(1e-4)  # the noise at its lower bound
    fresh = HammingGP(SIZES)
    fresh.theta = stepwise.theta.copy()
    for n in range(21, 61, 3):  # several points at a time, and different targets each time
        stepwise.fit(X[:n], y[:n] * n, optimise=False)
        K = _naive_kernel(stepwise, X[:n], X[:n]) + 1e-4 * np.eye(n)
        np.testing.assert_allclose(stepwise._inverse @ K, np.eye(n), atol=1e-6)
    fresh.fit(X, y * 60, optimise=False)  # n = 60 at the last step
    Z, _ = _data(10, seed=3)
    for a, b in zip(stepwise.predict(Z), fresh.predict(Z)):
        np.testing.assert_allclose(a, b, rtol=1e-8)
