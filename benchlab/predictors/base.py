"""The predictor contract: a model that guesses a cell's score before it is trained.

A predictor is built as `Predictor(space, rng, **hyperparameters)` (hyperparameters are
keyword arguments of `__init__`, as in scikit-learn and as strategies are built), learns
from `fit(encodings, scores)` and answers `predict(encodings) -> (mean, std)`, where `std`
is None for a predictor without an uncertainty estimate. Randomness comes only from the
`numpy.random.Generator` it is handed: the same generator state and the same data give the
same predictions. `encode(archs)` turns architectures into the rows `fit` and `predict`
take (the space's path encoding where it has one, else its own `encode`).
"""

from __future__ import annotations

import inspect
from collections.abc import Hashable, Sequence

import numpy as np

from benchlab.spaces.base import SearchSpace


ENCODINGS = ("path", "space", "path+space")


def encode_for_prediction(space: SearchSpace, archs: Sequence[Hashable], encoding: str = "path") -> np.ndarray:
    """The rows predictors learn from.

    "path": BANANAS path indicators for cell spaces that offer `encode_path` (NB101,
    NB201), else the space's own encoding (one-hot for categorical dimensions). "space":
    the space's `encode`. "path+space": both side by side (for NB201 the path indicators
    and the one-hot of the edge ops).
    """
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}, got {encoding!r}")
    archs = list(archs)
    encode_path = getattr(space, "encode_path", None)
    if encoding == "space" or encode_path is None:
        return space.encode_many(archs)
    path = np.stack([encode_path(a) for a in archs]) if archs else np.empty((0, _path_size(space)))
    if encoding == "path":
        return path
    return np.hstack([path, space.encode_many(archs)])


def _path_size(space) -> int:
    return int(getattr(space, "path_size", None) or space._path_size)


class Predictor:
    """Base class of the performance predictors; see the module docstring for the contract."""

    #: whether predictions depend on the generator (the conformance test checks both ways)
    stochastic: bool = True

    def __init__(self, space: SearchSpace, rng: np.random.Generator, encoding: str = "path"):
        if not isinstance(rng, np.random.Generator):
            raise TypeError("rng must be a numpy.random.Generator")
        if encoding not in ENCODINGS:
            raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}, got {encoding!r}")
        self.space = space
        self.rng = rng
        self.encoding = encoding
        self._fitted = False

    def encode(self, archs: Sequence[Hashable]) -> np.ndarray:
        """Rows for `fit`/`predict` in this predictor's `encoding`."""
        return encode_for_prediction(self.space, archs, self.encoding)

    def fit(self, encodings: np.ndarray, scores: np.ndarray) -> Predictor:
        X, y = np.asarray(encodings, dtype=float), np.asarray(scores, dtype=float)
        if X.ndim != 2 or y.shape != (len(X),):
            raise ValueError(f"fit needs encodings (n, d) and scores (n,), got {X.shape} and {y.shape}")
        if len(X) < 2:
            raise ValueError(f"fit needs at least 2 observations, got {len(X)}")
        self._fit(X, y)
        self._fitted = True
        return self

    def predict(self, encodings: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        if not self._fitted:
            raise RuntimeError(f"{type(self).__name__}.predict called before fit")
        X = np.asarray(encodings, dtype=float)
        if X.ndim != 2:
            raise ValueError(f"predict needs encodings (n, d), got shape {X.shape}")
        mean, std = self._predict(X)
        return np.asarray(mean, dtype=float).reshape(len(X)), None if std is None else np.asarray(std, dtype=float).reshape(len(X))

    def _seed(self) -> int:
        """An integer seed for a library estimator, drawn from the predictor's generator."""
        return int(self.rng.integers(2**31 - 1))

    # -- for subclasses ----------------------------------------------------------------
    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        raise NotImplementedError

    def _predict(self, X: np.ndarray):
        raise NotImplementedError

    def get_params(self) -> dict:
        """Hyperparameters as passed to `__init__` (for reports)."""
        names = [n for n in inspect.signature(type(self).__init__).parameters if n not in ("self", "space", "rng")]
        return {n: getattr(self, n) for n in names if hasattr(self, n)}


def standardise(y: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Scores centred and scaled to unit deviation (a deviation of 0 counts as 1)."""
    mean, std = float(np.mean(y)), float(np.std(y))
    std = std if std > 0 else 1.0
    return (y - mean) / std, mean, std
