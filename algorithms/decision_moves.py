"""Moves on integer decision vectors (`space.to_decisions`), many rows at once.

A search that models decision vectors (BO's Hamming-kernel GP) can draw its candidates as
decision vectors too: a change of one decision is one index operation on an array of rows,
where `space.mutate` builds, validates and canonicalises one architecture object per call
(about 10 us each on NAS-Bench-Graph). A row need not describe a valid architecture, nor a
network other than its parent's; `space.from_decisions` and the canonical key sort that out
for the few rows a search goes on to propose.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def row_ids(rows: np.ndarray) -> np.ndarray:
    """One opaque scalar per row (equal exactly when the rows are), for `np.unique` / `np.isin`."""
    rows = np.ascontiguousarray(rows)
    return rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()


def distinct_unknown(rows: np.ndarray, known: np.ndarray) -> np.ndarray:
    """The distinct rows of `rows` that are no row of `known`, in order of first appearance."""
    ids = row_ids(rows)
    _, first = np.unique(ids, return_index=True)
    first.sort()
    keep = first[~np.isin(ids[first], row_ids(known))] if len(known) else first
    return rows[keep]


class DecisionMoves:
    """Single-decision changes over decisions with `sizes[d]` choices each."""

    def __init__(self, sizes: Sequence[int]):
        self.sizes = np.asarray(sizes, dtype=np.int64)
        self._first_change = np.concatenate([[0], np.cumsum(self.sizes - 1)])  # changes of decision d start here

    @property
    def n_changes(self) -> int:
        """How many rows are one change away from any row: sum_d (sizes[d] - 1)."""
        return int(self._first_change[-1])

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """`n` rows, each decision uniform over its choices."""
        return rng.integers(self.sizes, size=(n, len(self.sizes)))

    def change(self, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Each row with one decision set to another value, uniformly over the (decision,
        other value) pairs (on a grid of equal sizes: a uniform decision, then a uniform
        other value, as `CategoricalSpace.mutate`)."""
        rows = np.array(rows, dtype=np.int64)
        return self._apply(rows, rng.integers(self.n_changes, size=len(rows)))

    def neighbours(self, row: np.ndarray) -> np.ndarray:
        """Every row one change away from `row` (`n_changes` rows)."""
        rows = np.repeat(np.asarray(row, dtype=np.int64)[None, :], self.n_changes, axis=0)
        return self._apply(rows, np.arange(self.n_changes))

    def _apply(self, rows: np.ndarray, change: np.ndarray) -> np.ndarray:
        """`rows` (changed in place) with change `change[i]` < n_changes made to row i."""
        dim = np.searchsorted(self._first_change, change, side="right") - 1
        at = np.arange(len(rows))
        rows[at, dim] = (rows[at, dim] + 1 + change - self._first_change[dim]) % self.sizes[dim]
        return rows
