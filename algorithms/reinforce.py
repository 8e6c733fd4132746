"""REINFORCE with a factorised categorical policy, as in the NAS-Bench-101/201 baselines."""

from __future__ import annotations

import numpy as np

from algorithms.base import Feedback, Strategy
from benchlab.errors import InvalidArchitectureError
from benchlab.spaces.base import SearchSpace


class Reinforce(Strategy):
    """Policy gradient over the space's decision vector.

    The policy is one softmax over logits per decision (`space.decision_sizes`), all logits
    starting at zero (uniform). After each result the logits take one Adam step (betas 0.9,
    0.999, as the reference implementations' optimiser) along
    ``(reward - baseline) * grad log p(decisions)``, where the reward is the observed
    validation score and the baseline an exponential moving average of the rewards with
    momentum `baseline_momentum`, bias-corrected and updated with the reward before the
    advantage is taken (as the NAS-Bench-201 script does).

    The update uses the decision vector that was actually sampled for the proposal (kept
    until its result arrives), not a re-encoding of the architecture, so it stays correct
    where several decision vectors describe one architecture.

    Invalid decision vectors (NB101 cells with too many edges or no input-output path) are
    handled as the NAS-Bench-101 reference scripts do: such a sample earns the lowest reward,
    `invalid_reward` (0 = accuracy zero, the objective the scripts return for an invalid
    cell; capped at the lowest reward seen, so it stays lowest where scores are negative
    losses), the policy is updated with it at once without querying anything, and the
    policy samples again, so `ask()` always returns a valid architecture. After
    `max_invalid_draws` invalid draws in a row the proposal is a random sample of the space
    (and the update uses that sample's own decision vector).
    """

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        *,
        learning_rate: float = 0.1,
        baseline_momentum: float = 0.9,
        invalid_reward: float = 0.0,
        max_invalid_draws: int = 1000,
        dedupe: bool = False,
    ):
        super().__init__(space, rng, dedupe=dedupe)
        if not 0.0 <= baseline_momentum < 1.0:
            raise ValueError("baseline_momentum must be in [0, 1)")
        self.learning_rate = float(learning_rate)
        self.baseline_momentum = float(baseline_momentum)
        self.invalid_reward = float(invalid_reward)
        self.max_invalid_draws = int(max_invalid_draws)

        sizes = np.asarray(space.decision_sizes, dtype=np.int64)
        self._sizes = sizes
        self._rows = np.arange(len(sizes))
        # one padded (decisions x max choices) matrix: sampling and the gradient are a few
        # vectorised operations instead of a Python loop over decisions
        self._mask = np.arange(sizes.max()) < sizes[:, None]
        self._row_starts = self._rows * sizes.max()  # flat index of each row's first choice
        self.logits = np.where(self._mask, 0.0, -np.inf)
        self._refresh()
        self._adam_m = np.zeros_like(self.logits)
        self._adam_v = np.zeros_like(self.logits)
        self._adam_t = 0
        self._ema_num = 0.0  # bias-corrected EMA: numerator / denominator
        self._ema_den = 0.0
        self._lowest_reward = np.inf
        self._pending: dict = {}  # arch -> decision vectors sampled for it, awaiting results
        self.invalid_draws = 0  # how many invalid decision vectors were sampled (diagnostics)

    # -- policy ----------------------------------------------------------------------
    def probabilities(self) -> np.ndarray:
        """The policy's probabilities, one row per decision (zero-padded)."""
        return self._probs.copy()

    def _refresh(self) -> None:
        """Recompute the softmax (and its cumulative form for sampling) after an update."""
        p = np.exp(self.logits - self.logits.max(axis=1, keepdims=True))  # exp(-inf) = 0 pads
        p /= p.sum(axis=1, keepdims=True)
        self._probs = p
        # row i's cumulative probabilities shifted into (i, i+1]: one sorted array, so a
        # single searchsorted samples every decision at once
        self._cdf = (np.cumsum(p, axis=1) + self._rows[:, None]).ravel()

    def _sample_decisions(self) -> np.ndarray:
        flat = np.searchsorted(self._cdf, self.rng.random(len(self._sizes)) + self._rows, side="right")
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
        grad = self._probs * -advantage
        grad.ravel()[self._row_starts + decisions] += advantage
        # Adam by hand: a few lines on one small array (torch is only an optional extra)
        b1, b2, eps = 0.9, 0.999, 1e-8
        self._adam_t += 1
        m1, m2 = self._adam_m, self._adam_v
        m1 *= b1
        m1 += (1 - b1) * grad
        m2 *= b2
        m2 += (1 - b2) * grad * grad
        lr_t = self.learning_rate * np.sqrt(1 - b2**self._adam_t) / (1 - b1**self._adam_t)
        # padding: m1 = 0 there, so the step is 0 and the logits stay -inf
        self.logits += lr_t * m1 / (np.sqrt(m2) + eps * np.sqrt(1 - b2**self._adam_t))
        self._refresh()

    # -- ask/tell --------------------------------------------------------------------
    def _ask(self):
        for _ in range(self.max_invalid_draws):
            decisions = self._sample_decisions()
            try:
                arch = self.space.from_decisions(decisions)
            except InvalidArchitectureError:
                self.invalid_draws += 1
                self._update(decisions, min(self.invalid_reward, self._lowest_reward))
                continue
            self._pending.setdefault(arch, []).append(decisions)
            return arch
        arch = self.space.sample(self.rng)
        self._pending.setdefault(arch, []).append(np.asarray(self.space.to_decisions(arch)))
        return arch

    def _discard(self, proposal) -> None:
        self._pop_pending(proposal)

    def _pop_pending(self, arch):
        stack = self._pending.get(arch)
        if not stack:
            return None
        decisions = stack.pop()
        if not stack:
            del self._pending[arch]
        return decisions

    def _tell(self, arch, feedback: Feedback) -> None:
        decisions = self._pop_pending(arch)
        if decisions is None:  # told without an ask (e.g. dedupe's random fallback)
            decisions = np.asarray(self.space.to_decisions(arch))
        reward = float(feedback.valid)
        self._lowest_reward = min(self._lowest_reward, reward)
        self._update(decisions, reward)
