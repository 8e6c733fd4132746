"""REINFORCE with a factorised categorical policy, as in the NAS-Bench-101/201 baselines."""

from __future__ import annotations

import numpy as np

from algorithms.base import Feedback, PendingDecisions, Strategy
from algorithms.hyperparameters import Interval, check_hyperparameters
from benchlab.errors import InvalidArchitectureError
from benchlab.spaces.base import SearchSpace


class Reinforce(Strategy):
    """Policy gradient over the space's decision vector, as the NAS-Bench-101 reference
    REINFORCE (the script of the `automl/nas_benchmarks` repository).

    The policy is one softmax over logits per decision (`space.decision_sizes`), all logits
    starting at zero (uniform). After each result the logits take one plain gradient-ascent
    step of size `learning_rate` along ``(reward - baseline) * grad log p(decisions)``,
    where the reward is the observed validation score and the baseline an exponential
    moving average of the rewards with momentum `baseline_momentum`, bias-corrected and
    updated with the reward before the advantage is taken (all as in that script).

    The update uses the decision vector that was actually sampled for the proposal (kept
    until its result arrives), not a re-encoding of the architecture, so it stays correct
    where several decision vectors describe one architecture.

    Invalid decision vectors (NB101 cells with too many edges or no input-output path) are
    handled as the reference script does: the sample is rejected and the policy samples
    again, with no policy update and nothing queried, so `ask()` always returns a valid
    architecture and the gradient only ever sees evaluated architectures. After
    `max_invalid_draws` invalid draws in a row the proposal is a random sample of the space
    (its update then uses that sample's own decision vector). `invalid_draws` counts them.
    """

    hyperparameter_constraints = {
        "learning_rate": Interval(float, 0, None, closed="neither"),
        "baseline_momentum": Interval(float, 0, 1, closed="left"),
        "max_invalid_draws": Interval(int, 1),
    }

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        *,
        learning_rate: float = 0.1,
        baseline_momentum: float = 0.9,
        max_invalid_draws: int = 1000,
        dedupe: bool = False,
    ):
        check_hyperparameters(type(self), locals())
        super().__init__(space, rng, dedupe=dedupe)
        self.learning_rate = float(learning_rate)
        self.baseline_momentum = float(baseline_momentum)
        self.max_invalid_draws = int(max_invalid_draws)

        sizes = np.asarray(space.decision_sizes, dtype=np.int64)
        self._sizes = sizes
        self._rows = np.arange(len(sizes))
        # one padded (decisions x max choices) matrix: sampling and the gradient are a few
        # vectorised operations instead of a Python loop over decisions
        self._mask = np.arange(sizes.max()) < sizes[:, None]
        self._row_starts = self._rows * sizes.max()  # flat index of each row's first choice
        self.logits = np.where(self._mask, 0.0, -np.inf)
        self._drift = 0.0  # bound on how far any logit moved since the rows' max was 0
        self._uniforms = np.empty((0, len(sizes)))
        self._next_uniform = 0
        self._refresh()
        self._ema_num = 0.0  # bias-corrected EMA: numerator / denominator
        self._ema_den = 0.0
        self._pending = PendingDecisions()
        self.invalid_draws = 0  # how many invalid decision vectors were sampled (diagnostics)

    # -- policy ----------------------------------------------------------------------
    def probabilities(self) -> np.ndarray:
        """The policy's probabilities, one row per decision (zero-padded)."""
        return self._probs.copy()

    def _refresh(self) -> None:
        """Recompute the softmax (and its cumulative form for sampling) after an update."""
        # Softmax without the usual max-subtraction while it is safe: every step moves each
        # logit by at most learning_rate * |advantage| (tracked in _drift), so after a
        # re-centring (each row's max at 0) exp() can neither overflow nor underflow a whole
        # row until the drift reaches a few hundred.
        if self._drift > 300.0:
            self.logits -= self.logits.max(axis=1, keepdims=True)
            self._drift = 0.0
        p = np.exp(self.logits)  # exp(-inf) = 0 on the padding
        p /= p.sum(axis=1, keepdims=True)
        self._probs = p
        # row i's cumulative probabilities shifted into (i, i+1]: one sorted array, so a
        # single searchsorted samples every decision at once
        self._cdf = (np.cumsum(p, axis=1) + self._rows[:, None]).ravel()

    def _sample_decisions(self) -> np.ndarray:
        if self._next_uniform == len(self._uniforms):
            # uniforms drawn a block at a time (one rng call per 64 samples), already shifted
            # by the row index to match the shifted cumulative probabilities
            self._uniforms = self.rng.random((64, len(self._sizes))) + self._rows
            self._next_uniform = 0
        u = self._uniforms[self._next_uniform]
        self._next_uniform += 1
        flat = np.searchsorted(self._cdf, u, side="right")
        return np.minimum(flat - self._row_starts, self._sizes - 1)  # guard against rounding at a row's end

    @property
    def baseline(self) -> float:
        return self._ema_num / self._ema_den if self._ema_den > 0 else 0.0

    def _update(self, decisions: np.ndarray, reward: float) -> None:
        m = self.baseline_momentum
        self._ema_num = m * self._ema_num + (1 - m) * reward
        self._ema_den = m * self._ema_den + (1 - m)
        advantage = reward - self._ema_num / self._ema_den
        # d log p(a) / d logits = onehot(a) - p per decision (0 on the padding, where p = 0)
        scale = self.learning_rate * advantage
        step = self._probs * -scale
        step.ravel()[self._row_starts + decisions] += scale
        self.logits += step  # gradient ascent; the padding stays at -inf
        self._drift += abs(scale)  # |onehot - p| <= 1
        self._refresh()

    # -- ask/tell --------------------------------------------------------------------
    def _ask(self):
        for _ in range(self.max_invalid_draws):
            decisions = self._sample_decisions()
            try:
                arch = self.space.from_decisions(decisions)
            except InvalidArchitectureError:
                self.invalid_draws += 1  # rejected: resample, no update
                continue
            self._pending.push(arch, decisions)
            return arch
        arch = self.space.sample(self.rng)
        self._pending.push(arch, np.asarray(self.space.to_decisions(arch)))
        return arch

    def _discard(self, proposal) -> None:
        self._pending.pop_for(proposal)

    def _tell(self, arch, feedback: Feedback) -> None:
        decisions = self._pending.pop_for(arch)
        if decisions is None:  # told without an ask (e.g. dedupe's random fallback)
            decisions = np.asarray(self.space.to_decisions(arch))
        self._update(decisions, float(feedback.valid))
