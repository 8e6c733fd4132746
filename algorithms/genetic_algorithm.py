"""A generational genetic algorithm: selection, crossover, mutation and elitism."""

from __future__ import annotations

import math

import numpy as np

from algorithms.base import Feedback, Strategy
from algorithms.hyperparameters import HyperparameterError, Interval, Options, check_hyperparameters
from benchlab.spaces.base import SearchSpace

SELECTIONS = ("tournament", "proportional")


class GeneticAlgorithm(Strategy):
    """The textbook generational GA over the space's own operators.

    Generation 0 is `population_size` random samples. Every later generation is bred from
    the previous one: each child takes two parents chosen by `selection`, is their
    `space.crossover` with probability `crossover_rate` (else a copy of the first parent),
    and is then `space.mutate`d with probability `mutation_rate`. The next generation is
    the `elitism` best members of the previous one plus `population_size - elitism`
    evaluated children.

    Selection: ``"tournament"`` takes the best of `tournament_size` members drawn
    uniformly with replacement (ties: the first drawn); ``"proportional"`` is the roulette
    wheel of Genetic CNN, probability proportional to ``score - min(score)`` over the
    generation (uniform when all scores are equal).

    A child identical to one of its parents (no variation applied, or a crossover of equal
    parents) is not evaluated again: it inherits that parent's score and takes a place in
    the next generation, as DEAP's `eaSimple` evaluates only individuals whose fitness is
    unknown; under a query budget that spends every query on a new proposal. After
    `max_clone_draws` such children in a row the clone is proposed anyway.

    Defaults are those of Genetic CNN (Xie & Yuille, "Genetic CNN", ICCV 2017, Sec. 4.1),
    the classic GA for architecture search: N = 20 individuals, crossover probability
    p_C = 0.2, mutation probability p_M = 0.8, and its "Russian roulette" selection,
    proportional to ``score - min(score)``. (Genetic CNN's crossover swaps whole stages and
    its mutation flips each bit with q_M = 0.05; here both operators are the space's own.)
    `elitism=1` keeps the best individual (De Jong's elitist model, 1975), so the best
    architecture found is never lost; `tournament_size=2` is the binary tournament of
    Goldberg & Deb (1991), used when `selection="tournament"`.

    With asynchronous workers an `ask()` made before generation 0 is complete is a random
    sample, and children are bred from the latest complete generation; a generation is
    complete once its children's results have arrived, in arrival order.
    """

    hyperparameter_constraints = {
        "population_size": Interval(int, 2),
        "selection": Options(*SELECTIONS),
        "tournament_size": Interval(int, 1),
        "crossover_rate": Interval(float, 0, 1),
        "mutation_rate": Interval(float, 0, 1),
        "elitism": Interval(int, 0),
        "max_clone_draws": Interval(int, 1),
    }

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        *,
        population_size: int = 20,
        selection: str = "proportional",
        tournament_size: int = 2,
        crossover_rate: float = 0.2,
        mutation_rate: float = 0.8,
        elitism: int = 1,
        max_clone_draws: int = 100,
        dedupe: bool = False,
    ):
        check_hyperparameters(type(self), locals())
        super().__init__(space, rng, dedupe=dedupe)
        if elitism >= population_size:
            raise HyperparameterError(type(self).__name__, "elitism", f"below population_size ({population_size})",
                                      elitism)
        self.population_size = int(population_size)
        self.selection = selection
        self.tournament_size = int(tournament_size)
        self.crossover_rate = float(crossover_rate)
        self.mutation_rate = float(mutation_rate)
        self.elitism = int(elitism)
        self.max_clone_draws = int(max_clone_draws)

        self._parents: list = []  # the latest complete generation's architectures
        self._parent_scores: list[float] = []
        self._roulette: np.ndarray | None = None  # cumulative selection probabilities
        self._children: list = []  # (arch, score) of the generation being filled
        self.generation = 0  # index of the latest complete generation (0 until it exists)
        self.inherited = 0  # children that took a parent's score instead of a query (diagnostics)

    @property
    def population(self) -> list[tuple]:
        """The latest complete generation as (arch, score)."""
        return list(zip(self._parents, self._parent_scores))

    def counts(self) -> dict[str, int]:
        return {"inherited": self.inherited}

    # -- selection -------------------------------------------------------------------
    def _select(self) -> int:
        if self.selection == "tournament":
            drawn = self.rng.integers(len(self._parents), size=self.tournament_size).tolist()
            return max(drawn, key=self._parent_scores.__getitem__)  # max keeps the first of equal scores
        return int(np.searchsorted(self._roulette, self.rng.random(), side="right"))

    def _roulette_wheel(self, scores: list[float]) -> np.ndarray:
        values = np.asarray(scores, dtype=float)
        finite = np.isfinite(values)
        weights = np.zeros_like(values)
        if finite.any():
            weights[finite] = values[finite] - values[finite].min()
        if not weights.sum() > 0:
            weights[:] = 1.0
        cumulative = np.cumsum(weights / weights.sum())
        cumulative[-1] = 1.0  # guard against rounding: a draw in [0, 1) always lands
        return cumulative

    # -- breeding --------------------------------------------------------------------
    def _ask(self):
        if not self._parents:
            return self.space.sample(self.rng)
        for _ in range(self.max_clone_draws):
            child, parent = self._breed()
            if parent is None:
                return child
            # an unchanged parent: it keeps its score and needs no query
            self.inherited += 1
            self._add_child(child, self._parent_scores[parent])
        return child

    def _breed(self):
        """A child and, when it is one of its parents unchanged, that parent's index."""
        rng = self.rng
        first, second = self._select(), self._select()
        child = self._parents[first]
        if rng.random() < self.crossover_rate:
            child = self.space.crossover(child, self._parents[second], rng)
        if rng.random() < self.mutation_rate:
            return self.space.mutate(child, rng), None  # mutate always changes the key
        key = self.key_of(child)
        for parent in (first, second):
            if key == self.key_of(self._parents[parent]):
                return child, parent
        return child, None

    def _tell(self, arch, feedback: Feedback) -> None:
        score = float(feedback.valid)
        self._add_child(arch, score if score == score else -math.inf)  # NaN never wins

    def _add_child(self, arch, score: float) -> None:
        self._children.append((arch, score))
        needed = self.population_size if not self._parents else self.population_size - self.elitism
        if len(self._children) < needed:
            return
        survivors = []
        if self._parents:
            order = sorted(range(len(self._parents)), key=lambda i: -self._parent_scores[i])  # stable: earlier first
            survivors = [(self._parents[i], self._parent_scores[i]) for i in order[: self.elitism]]
        generation = survivors + self._children
        self._parents = [arch for arch, _ in generation]
        self._parent_scores = [score for _, score in generation]
        self._children = []
        if self.selection == "proportional":
            self._roulette = self._roulette_wheel(self._parent_scores)
        self.generation += 1
