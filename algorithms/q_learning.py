"""Q-learning over a sequence of architecture decisions: MetaQNN (Baker et al., ICLR 2017)."""

from __future__ import annotations

import numpy as np

from algorithms.base import Feedback, PendingDecisions, Strategy
from algorithms.hyperparameters import Interval, check_hyperparameters
from benchlab.errors import InvalidArchitectureError
from benchlab.spaces.base import SearchSpace

#: MetaQNN's epsilon schedule (Baker et al. 2017, Table 2, CIFAR-10): (epsilon, models
#: trained at it) over 2,700 models; here the same shares of the query budget.
EPSILON_SCHEDULE = ((1.0, 1500), (0.9, 100), (0.8, 100), (0.7, 100), (0.6, 150), (0.5, 150), (0.4, 150),
                    (0.3, 150), (0.2, 150), (0.1, 150))
#: query budget the schedule is laid over when neither the run nor `schedule_queries` gives one
FALLBACK_SCHEDULE_QUERIES = 150


def _schedule_over(budget: int) -> list[tuple[float, float]]:
    """(proposals before which it applies, epsilon) per stage of the schedule, for `budget` queries."""
    total = sum(count for _, count in EPSILON_SCHEDULE)
    out, reached = [], 0
    for eps, count in EPSILON_SCHEDULE:
        reached += count
        out.append((budget * reached / total, eps))
    return out


class QLearning(Strategy):
    """MetaQNN's tabular Q-learning agent over the space's decision vector.

    The architecture is built decision by decision (`space.decision_sizes`): the state
    before decision i is (i, the choice made at decision i - 1), as MetaQNN's state is the
    current layer and its action the next layer; the action is the choice at decision i.
    Q starts at `q_init` = 0.5 everywhere (the paper's initial value).

    - Proposals are epsilon-greedy per decision (ties among the greedy choices broken at
      random). Epsilon follows the paper's schedule, stated as shares of the query budget:
      1.0 for the first 1500/2700 of the proposals, then 0.9, 0.8, 0.7 for 100/2700 each
      and 0.6 down to 0.1 for 150/2700 each (0.1 after the budget). The budget is the
      run's query budget, which the simulator passes to `set_budget`, unless
      `schedule_queries` fixes it (150 when neither gives one).
    - Every result joins the replay memory as (decisions, observed validation score);
      after each result `replay_size` = 100 memories are drawn uniformly from it and
      replayed with the Q-learning update of learning rate `learning_rate` = 0.01 and no
      discount (the paper's alpha and gamma = 1): the last decision moves towards the
      reward, every earlier one towards the best Q value of its next state, as MetaQNN's
      UPDATE_Q_VALUES does (intermediate rewards are zero).
    - The 100 replayed updates of one result are applied as one batch, every target taken
      from the Q values before the batch, and k updates of the same entry in a batch take
      the closed form of k successive steps towards their mean target,
      ``Q += (1 - (1 - alpha)**k) * (mean target - Q)``. The paper applies them one after
      another; with alpha = 0.01 the order within a batch changes Q only at second order in
      alpha (after 60 results on a toy space the two forms differ by under 0.01 where the
      values moved by 0.3; tests/algorithms/test_q_learning.py), and one batch costs a few
      array operations instead of some 100 x len(decisions) Python steps.
    - Like MetaQNN's states (the current layer, not the whole network so far), a state
      keeps only the latest choice, so the reward reaches earlier decisions only through
      the values of the choices that follow them.
    - The update uses the decision vector sampled for the proposal (kept until its result
      arrives), as REINFORCE does; invalid decision vectors (NB101 cells with too many edges
      or no input-output path) are rejected and sampled again, with no update and no
      query; after `max_invalid_draws` in a row the proposal is a random sample of the
      space. `invalid_draws` counts the rejections.
    - `dedupe=True` by default: MetaQNN never trains a network twice (a network sampled
      again takes its accuracy from the replay memory); here such a proposal is drawn again.
    """

    hyperparameter_constraints = {
        "learning_rate": Interval(float, 0, 1, closed="right"),
        "q_init": float,
        "replay_size": Interval(int, 1),
        "schedule_queries": [Interval(int, 1), None],
        "max_invalid_draws": Interval(int, 1),
    }

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        *,
        learning_rate: float = 0.01,
        q_init: float = 0.5,
        replay_size: int = 100,
        schedule_queries: int | None = None,
        max_invalid_draws: int = 1000,
        dedupe: bool = True,
    ):
        check_hyperparameters(type(self), locals())
        super().__init__(space, rng, dedupe=dedupe)
        self.learning_rate = float(learning_rate)
        self.q_init = float(q_init)
        self.replay_size = int(replay_size)
        self.schedule_queries = schedule_queries
        self.max_invalid_draws = int(max_invalid_draws)
        self._budget_queries = schedule_queries or FALLBACK_SCHEDULE_QUERIES
        self._schedule = _schedule_over(self._budget_queries)

        sizes = np.asarray(space.decision_sizes, dtype=np.int64)
        self._sizes = sizes.tolist()
        n = len(sizes)
        width = int(sizes.max())
        # one Q row per state: decision 0 has a single state, decision i one per choice of i-1
        states_per_decision = np.concatenate([[1], sizes[:-1]])
        self._row_start = np.concatenate([[0], np.cumsum(states_per_decision)[:-1]])
        n_rows = int(states_per_decision.sum())
        # padding (choices a decision lacks) holds the lowest float: never a row's best, and
        # finite, so the dense update below (a zero step for it) stays finite too
        choices = np.repeat(sizes, states_per_decision)[:, None]
        self.q = np.where(np.arange(width) < choices, self.q_init, np.finfo(float).min)
        self._width = width
        self._row_start_list = self._row_start.tolist()
        self._greedy: list[int] = [0] * n_rows
        self._greedy_stale = True

        # The replay memory as growing arrays: per memory, the Q entry each decision updates
        # (`_entries`) and where its target is read in `_values` = [best Q value of every
        # state..., reward of every memory...] (`_sources`: the next state's row, for the
        # last decision the memory's own reward), so that a replay is a few array operations.
        self._n_rows = n_rows
        self._entries = np.empty((256, n), dtype=np.int64)
        self._sources = np.empty((256, n), dtype=np.int64)
        self._values = np.empty(n_rows + 256)
        self._memory_size = 0
        self._uniforms = np.empty((0, self.replay_size))  # replay draws, a block of rounds per rng call
        self._next_uniform = 0
        #: (1 - alpha)**h and (1 - (1 - alpha)**h) / h: h successive updates of one entry
        #: towards targets t_1..t_h move it to keep[h] * Q + gain[h] * sum(t) when all t are
        #: equal, and close to it otherwise (at most one hit per memory, so h <= replay_size)
        hits = np.arange(self.replay_size + 1)
        self._keep = (1.0 - self.learning_rate) ** hits
        self._gain = (1.0 - self._keep) / np.maximum(hits, 1)

        self._proposals = 0  # proposals made so far: the position in the epsilon schedule
        self._pending = PendingDecisions()
        self.invalid_draws = 0

    def counts(self) -> dict[str, int]:
        return {"invalid_draws": self.invalid_draws}

    # -- budget and schedule ---------------------------------------------------------
    def set_budget(self, queries: int | None, time: float | None) -> None:
        if self.schedule_queries is None and queries is not None:
            self._budget_queries = int(queries)
            self._schedule = _schedule_over(self._budget_queries)

    def epsilon(self, proposal: int | None = None) -> float:
        """Epsilon for the `proposal`-th proposal (default: the next one)."""
        position = self._proposals if proposal is None else proposal
        for end, eps in self._schedule:
            if position < end:
                return eps
        return EPSILON_SCHEDULE[-1][0]

    # -- proposals -------------------------------------------------------------------
    def _refresh_greedy(self) -> None:
        q = self.q
        ties = q == q.max(axis=1, keepdims=True)  # padding never ties: it is below every value
        # the method, not np.argmax: a fifth of the cost on an array this small (numpy 2.4;
        # test_strategy_perf.py times both spellings)
        self._greedy = np.where(ties, self.rng.random(q.shape), -1.0).argmax(axis=1).tolist()
        self._greedy_stale = False

    def _sample_decisions(self, eps: float) -> list[int]:
        if eps < 1.0 and self._greedy_stale:
            self._refresh_greedy()
        sizes, starts, greedy = self._sizes, self._row_start_list, self._greedy
        n = len(sizes)
        draws = self.rng.random(2 * n).tolist()
        decisions = []
        previous = 0
        for i in range(n):
            if draws[i] < eps:
                choice = int(draws[n + i] * sizes[i])
            else:
                choice = greedy[starts[i] + previous]
            decisions.append(choice)
            previous = choice
        return decisions

    def _ask(self):
        eps = self.epsilon()
        for _ in range(self.max_invalid_draws):
            decisions = self._sample_decisions(eps)
            try:
                arch = self.space.from_decisions(decisions)
            except InvalidArchitectureError:
                self.invalid_draws += 1  # rejected: sample again, no update
                continue
            break
        else:
            arch = self.space.sample(self.rng)
            decisions = [int(d) for d in self.space.to_decisions(arch)]
        self._proposals += 1
        self._pending.push(arch, decisions)
        return arch

    def _discard(self, proposal) -> None:
        if self._pending.pop_for(proposal) is not None:
            self._proposals -= 1

    # -- learning --------------------------------------------------------------------
    def _tell(self, arch, feedback: Feedback) -> None:
        decisions = self._pending.pop_for(arch)
        if decisions is None:  # told without an ask (a warm start, dedupe's random fallback)
            decisions = [int(d) for d in self.space.to_decisions(arch)]
        reward = float(feedback.valid)
        if reward != reward:  # a NaN result teaches nothing (and would poison every Q value it reaches)
            return
        self._remember(decisions, reward)
        self._replay()

    def _remember(self, decisions: list[int], reward: float) -> None:
        i = self._memory_size
        if i == len(self._entries):
            self._entries = np.concatenate([self._entries, np.empty_like(self._entries)])
            self._sources = np.concatenate([self._sources, np.empty_like(self._sources)])
            self._values = np.concatenate([self._values, np.empty(len(self._entries) - i)])
        # the state before decision j is (j, choice j - 1); its row is row_start[j] + choice
        rows = [start + previous for start, previous in zip(self._row_start_list, [0, *decisions[:-1]])]
        self._entries[i] = [row * self._width + choice for row, choice in zip(rows, decisions)]
        self._sources[i] = [*rows[1:], self._n_rows + i]
        self._values[self._n_rows + i] = reward
        self._memory_size += 1

    def _draw_memories(self) -> np.ndarray:
        """`replay_size` memory indices, uniform with replacement (uniforms drawn 64 rounds at a time)."""
        if self._next_uniform == len(self._uniforms):
            self._uniforms = self.rng.random((64, self.replay_size))
            self._next_uniform = 0
        drawn = (self._uniforms[self._next_uniform] * self._memory_size).astype(np.intp)
        self._next_uniform += 1
        return drawn

    def _replay(self) -> None:
        # `take` rather than fancy indexing: the same gather at a third of the cost on arrays this
        # small (test_strategy_perf.py times both spellings)
        drawn = self._draw_memories()
        entries = self._entries.take(drawn, axis=0).ravel()
        # no discount, no intermediate reward: a decision's target is the best Q value of
        # the next state, the last decision's target the reward
        self.q.max(axis=1, out=self._values[: self._n_rows])
        targets = self._values.take(self._sources.take(drawn, axis=0).ravel())
        flat_q = self.q.ravel()
        hits = np.bincount(entries, minlength=flat_q.size)
        sums = np.bincount(entries, targets, minlength=flat_q.size)
        flat_q *= self._keep.take(hits)  # hits = 0: unchanged
        flat_q += self._gain.take(hits) * sums
        self._greedy_stale = True
