"""`check_space(space)`: does a search space keep the SearchSpace contract (spaces/base.py)?"""

from __future__ import annotations

import math

from collections.abc import Hashable

import numpy as np

from benchlab.errors import InvalidArchitectureError
from benchlab.spaces.base import SearchSpace
from benchlab.testing._checks import Checker, global_random_state_kept

PAGE = "docs/adding-a-search-space.md"


def check_space(space, *, samples: int = 30) -> None:
    """Check `space` (an instance) against the search-space contract; raise `ConformanceError`
    naming the first rule it breaks.

    On `samples` architectures drawn with seeded generators: sampling is seeded, valid and
    hashable; keys are strings, equal for equal architectures; `mutate` and `neighbours`
    give valid architectures with other keys (neighbours distinct, the parent excluded), and
    so do `sample_many` / `mutate_many`, one per request;
    `crossover` gives valid children whose decisions come from the parents; encodings have
    `encoding_size` finite entries (`encode_many` agrees with `encode`); decision vectors
    lie in `decision_sizes` (`decisions_many` agrees with `to_decisions`) and
    `from_decisions` reads them back; `format`/`parse` round-trip and bad text or
    out-of-range decisions raise `InvalidArchitectureError`; nothing draws from the global
    random state.
    """
    check = Checker(f"space {type(space).__name__}", PAGE)
    check.require(isinstance(space, SearchSpace),
                  f"got {type(space).__name__}; subclass benchlab.spaces.base.SearchSpace (check_space takes an instance)")
    check = Checker(f"space {type(space).__name__} ({space.name})", PAGE)
    with global_random_state_kept(check, "a method of the space"):
        archs = _sampling(check, space, samples)
        for arch in archs:
            _identity(check, space, arch)
        _moves(check, space, archs)
        _crossover(check, space, archs)
        _encodings(check, space, archs)
        _decisions(check, space, archs)
        _text(check, space, archs)


def _sampling(check: Checker, space: SearchSpace, n: int) -> list:
    with check.calling("sample(rng)"):
        archs = [space.sample(np.random.default_rng(100 + i)) for i in range(n)]
        again = [space.sample(np.random.default_rng(100 + i)) for i in range(n)]
    check.require([space.key(a) for a in archs] == [space.key(a) for a in again],
                  "sample() with equally seeded generators returned different architectures; draw only from the rng given")
    check.require(len({space.key(a) for a in archs}) > 1 or space.size == 1,
                  f"{n} samples with different seeds all had one key; sample() must draw from the rng")
    return archs


def _identity(check: Checker, space: SearchSpace, arch) -> None:
    with check.calling(f"hash() of the sampled architecture {arch!r}"):
        hash(arch)
    check.require(isinstance(arch, Hashable), f"sample() returned {type(arch).__name__}, which is not hashable; "
                  "architectures are immutable values (tuples, frozen dataclasses)")
    with check.calling(f"validate({arch!r}) of a sampled architecture"):
        check.require(space.validate(arch) is None, "validate() returned a value; return None or raise "
                      "InvalidArchitectureError")
    check.require(space.is_valid(arch), f"is_valid() is False for the sampled {arch!r}")
    with check.calling(f"key({arch!r})"):
        key = space.key(arch)
    check.require(isinstance(key, str), f"key() returned {type(key).__name__}; return a str")
    check.require(space.key(arch) == key, "key() of one architecture changed between calls")


def _moves(check: Checker, space: SearchSpace, archs: list) -> None:
    any_neighbours = False
    for i, parent in enumerate(archs):
        key = space.key(parent)
        with check.calling(f"mutate({parent!r}, rng)"):
            child = space.mutate(parent, np.random.default_rng(i))
            repeat = space.mutate(parent, np.random.default_rng(i))
        check.require(space.is_valid(child), f"mutate({parent!r}) returned {child!r}, which is not valid")
        check.require(space.key(child) != key, f"mutate({parent!r}) returned an architecture with the parent's key")
        check.require(space.key(repeat) == space.key(child), "mutate() with equally seeded generators differed")
        with check.calling(f"neighbours({parent!r})"):
            neighbours = space.neighbours(parent)
        check.require(isinstance(neighbours, list), f"neighbours() returned {type(neighbours).__name__}; return a list")
        keys = [space.key(n) for n in neighbours]
        check.require(len(set(keys)) == len(keys), f"neighbours({parent!r}) lists one network twice (equal keys)")
        check.require(key not in keys, f"neighbours({parent!r}) includes the parent itself (its key)")
        for n in neighbours:
            check.require(space.is_valid(n), f"neighbours({parent!r}) includes {n!r}, which is not valid")
        any_neighbours = any_neighbours or bool(neighbours)
    check.require(any_neighbours, f"neighbours() was empty for all {len(archs)} samples; list every valid "
                  "architecture one elementary change away")
    _batched_moves(check, space, archs)


def _batched_moves(check: Checker, space: SearchSpace, archs: list) -> None:
    with check.calling("sample_many(n, rng)"):
        samples = space.sample_many(len(archs), np.random.default_rng(7))
        again = space.sample_many(len(archs), np.random.default_rng(7))
    check.require(isinstance(samples, list) and len(samples) == len(archs),
                  f"sample_many({len(archs)}, rng) did not return a list of {len(archs)} architectures")
    check.require([space.key(a) for a in samples] == [space.key(a) for a in again],
                  "sample_many() with equally seeded generators differed")
    for arch in samples:
        check.require(space.is_valid(arch), f"sample_many() returned {arch!r}, which is not valid")
    with check.calling("mutate_many(archs, rng)"):
        children = space.mutate_many(archs, np.random.default_rng(8))
    check.require(isinstance(children, list) and len(children) == len(archs),
                  f"mutate_many() of {len(archs)} architectures did not return a list of {len(archs)}")
    for parent, child in zip(archs, children):
        check.require(space.is_valid(child) and space.key(child) != space.key(parent),
                      f"mutate_many() turned {parent!r} into {child!r}: not valid, or the parent's key")


def _crossover(check: Checker, space: SearchSpace, archs: list) -> None:
    mixed, mixable = 0, []
    for i, (a, b) in enumerate(zip(archs, archs[1:] + archs[:1])):
        with check.calling(f"crossover({a!r}, {b!r}, rng)"):
            child = space.crossover(a, b, np.random.default_rng(i))
            repeat = space.crossover(a, b, np.random.default_rng(i))
        check.require(space.is_valid(child), f"crossover({a!r}, {b!r}) returned {child!r}, which is not valid")
        check.require(space.key(repeat) == space.key(child), "crossover() with equally seeded generators differed")
        da, db, dc = (np.asarray(space.to_decisions(x)) for x in (a, b, child))
        if space.key(child) not in (space.key(a), space.key(b)):
            check.require(((dc == da) | (dc == db)).all(), f"crossover({a!r}, {b!r}) returned {child!r}, with a "
                          "decision neither parent has")
            mixed += 1
        if np.sum(da != db) >= 2:
            mixable.append((a, b))
    if mixable and not mixed:  # few pairs can mix in a small space: give one of them more draws
        a, b = mixable[0]
        parents = (space.key(a), space.key(b))
        mixed = sum(space.key(space.crossover(a, b, np.random.default_rng(s))) not in parents for s in range(50))
    check.require(mixed, "crossover() never mixed two parents that differ in several decisions; "
                  "take each decision from either parent (the base class does)")
    a = archs[0]
    with check.calling(f"crossover({a!r}, {a!r}, rng)"):
        itself = space.crossover(a, a, np.random.default_rng(0))
    check.require(space.key(itself) == space.key(a), "crossover(a, a) is not a")


def _encodings(check: Checker, space: SearchSpace, archs: list) -> None:
    size = space.encoding_size
    check.require(isinstance(size, (int, np.integer)) and size > 0, f"encoding_size is {size!r}; give a positive int")
    for arch in archs:
        with check.calling(f"encode({arch!r})"):
            vec = np.asarray(space.encode(arch))
        check.require(vec.shape == (size,), f"encode() returned shape {vec.shape}, not (encoding_size,) = ({size},)")
        check.require(np.issubdtype(vec.dtype, np.number) and np.isfinite(vec).all(),
                      f"encode({arch!r}) has entries that are not finite numbers")
    with check.calling("encode_many(archs)"):
        many = np.asarray(space.encode_many(archs))
        empty = np.asarray(space.encode_many([]))
    check.require(many.shape == (len(archs), size) and np.allclose(many, [space.encode(a) for a in archs]),
                  "encode_many() does not stack encode() of each architecture")
    check.require(empty.shape == (0, size), f"encode_many([]) has shape {empty.shape}, not (0, {size})")


def _decisions(check: Checker, space: SearchSpace, archs: list) -> None:
    sizes = tuple(space.decision_sizes)
    check.require(sizes and all(isinstance(s, (int, np.integer)) and s >= 1 for s in sizes),
                  f"decision_sizes is {sizes!r}; give a tuple of positive ints, one per decision")
    for arch in archs:
        with check.calling(f"to_decisions({arch!r})"):
            decisions = np.asarray(space.to_decisions(arch))
        check.require(decisions.shape == (len(sizes),) and np.issubdtype(decisions.dtype, np.integer),
                      f"to_decisions() returned {decisions!r}; return {len(sizes)} integers")
        check.require(((decisions >= 0) & (decisions < np.asarray(sizes))).all(),
                      f"to_decisions({arch!r}) = {decisions.tolist()} is outside decision_sizes {sizes}")
        with check.calling(f"from_decisions({decisions.tolist()})"):
            back = space.from_decisions(decisions)
        check.require(space.key(back) == space.key(arch), "from_decisions(to_decisions(a)) is another network than a")
    with check.calling("decisions_many(archs)"):
        many = np.asarray(space.decisions_many(archs))
        empty = np.asarray(space.decisions_many([]))
    check.require(many.shape == (len(archs), len(sizes)) and np.array_equal(many, [space.to_decisions(a) for a in archs]),
                  "decisions_many() does not stack to_decisions() of each architecture")
    check.require(empty.shape == (0, len(sizes)), f"decisions_many([]) has shape {empty.shape}, not (0, {len(sizes)})")
    if space.decisions_are_architectures and space.size is not None:
        product = math.prod(int(s) for s in sizes)
        check.require(space.size == product,
                      f"decisions_are_architectures is True but size {space.size:,} is not the product of "
                      f"decision_sizes ({product:,}); set it False unless every decision vector is a distinct architecture")
    outside = list(sizes)  # one past the last choice of every decision
    check.rejects(f"from_decisions({outside}), decisions outside decision_sizes,", lambda: space.from_decisions(outside),
                  InvalidArchitectureError, "raise InvalidArchitectureError for a decision outside decision_sizes")


def _text(check: Checker, space: SearchSpace, archs: list) -> None:
    for arch in archs:
        with check.calling(f"format({arch!r})"):
            text = space.format(arch)
        check.require(isinstance(text, str), f"format() returned {type(text).__name__}; return a str")
        with check.calling(f"parse({text!r}) of format()'s own text"):
            back = space.parse(text)
        check.require(space.key(back) == space.key(arch), f"parse(format(a)) is another network than a for {arch!r}")
    for bad in ("", "not an architecture"):
        check.rejects(f"parse({bad!r}) of text that is no architecture", lambda: space.parse(bad),
                      InvalidArchitectureError, "raise InvalidArchitectureError naming what is wrong with the text")
