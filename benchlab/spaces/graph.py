"""The NAS-Bench-Graph space: 4 GNN layers wired by a link pattern.

An architecture has 4 operations; `links[i]` names the input of operation i (0 = the
graph's input features, k = the output of operation k-1), so links[i] is in 0..i. This gives
24 link patterns x 9**4 op choices. Many of them are the same network (reordered branches,
skip connections that can be moved), and the benchmark stores one row per equivalence
class. Validity and equivalence follow the `nas-bench-graph` package itself: its `Arch`
class computes the canonical form and hash, which are the table's keys, so equivalent
architectures always share a row. The one rule beyond the link ranges is the package's:
an architecture made only of skip connections is not a network.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
from nas_bench_graph.architecture import Arch, gnn_list, gnn_list_proteins, link_list

from benchlab.errors import InvalidArchitectureError
from benchlab.spaces.base import SearchSpace

N_LAYERS = 4
OPS = tuple(gnn_list)  # gat, gcn, gin, cheb, sage, arma, graph (k-GNN), fc, skip
PROTEINS_OPS = tuple(gnn_list_proteins)  # the smaller op set of the proteins dataset
#: the link patterns the package keeps after canonicalisation (encoding uses these)
CANONICAL_LINKS = tuple(tuple(lk) for lk in link_list)
SKIP = "skip"
SKIP_ONLY = (SKIP,) * N_LAYERS


@dataclass(frozen=True)
class GraphArch:
    """Link pattern and ops of one architecture (raw: not canonicalised)."""

    links: tuple[int, ...]
    ops: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "links", tuple(int(v) for v in self.links))
        object.__setattr__(self, "ops", tuple(str(o) for o in self.ops))


def _arch(links: tuple[int, ...], ops: tuple[str, ...]) -> GraphArch:
    """A GraphArch from tuples already of ints and strs, without `__post_init__`'s
    normalisation (which costs more than the move that made them)."""
    arch = object.__new__(GraphArch)
    object.__setattr__(arch, "links", links)
    object.__setattr__(arch, "ops", ops)
    return arch


#: every raw link pattern: layer i reads from 0..i
LINK_PATTERNS = frozenset(itertools.product(*(range(i + 1) for i in range(N_LAYERS))))
#: (layer, k) of each link change, in `_change`'s order: layer reads from its k-th other source
_LINK_CHANGES = tuple((layer, k) for layer in range(1, N_LAYERS) for k in range(layer))


def n_changes(choices: Sequence[str]) -> int:
    """How many (links, ops) are one link or one op away from any architecture."""
    return len(_LINK_CHANGES) + N_LAYERS * (len(choices) - 1)


def _change(links: tuple[int, ...], ops: tuple[str, ...], choices: tuple[str, ...], i: int) -> tuple:
    """The (links, ops) of change i < n_changes(choices), computed directly: first every
    other source of layers 1, 2, 3, then every other op of layers 0..3, each in order."""
    if i < len(_LINK_CHANGES):
        layer, k = _LINK_CHANGES[i]
        source = k + (k >= links[layer])  # the k-th source that is not the current one
        return links[:layer] + (source,) + links[layer + 1 :], ops
    layer, k = divmod(i - len(_LINK_CHANGES), len(choices) - 1)
    op = choices[k + (k >= choices.index(ops[layer]))]
    return links, ops[:layer] + (op,) + ops[layer + 1 :]


def _other_network(links: tuple[int, ...], ops: tuple[str, ...], choices: tuple[str, ...], i: int, parent_key: int):
    """The architecture change i makes, or None when it is no network or the parent's
    (`parent_key`): the acceptance rule of `mutate` and `mutate_many`."""
    child_links, child_ops = _change(links, ops, choices, i)
    if child_ops == SKIP_ONLY or _canonical(child_links, child_ops)[0] == parent_key:
        return None
    return _arch(child_links, child_ops)


@lru_cache(maxsize=1 << 12)
def _neighbours(links: tuple[int, ...], ops: tuple[str, ...], choices: tuple[str, ...]) -> tuple[GraphArch, ...]:
    """The valid changes with distinct keys other than the parent's, in `_change`'s order,
    remembered: BO takes every neighbour of its best, which changes seldom."""
    seen = {_canonical(links, ops)[0]}
    result = []
    for i in range(n_changes(choices)):
        child_links, child_ops = _change(links, ops, choices, i)
        if child_ops == SKIP_ONLY:
            continue
        key = _canonical(child_links, child_ops)[0]
        if key not in seen:
            seen.add(key)
            result.append(_arch(child_links, child_ops))
    return tuple(result)


@lru_cache(maxsize=1 << 18)
def _canonical(links: tuple[int, ...], ops: tuple[str, ...]) -> tuple[int, GraphArch]:
    """(package hash, canonical form) through the package's own `Arch` methods."""
    arch = Arch(list(links), list(ops))
    canon = arch.regularize()  # a new Arch; `arch` itself is left as it is
    canon.move_skip_op()
    canon.equalpart_sort()
    return canon.hash_arch(), _arch(tuple(canon.link), tuple(canon.ops))


class GraphSpace(SearchSpace):
    """NAS-Bench-Graph architectures over `ops` (all 9 GNN ops, or the proteins subset).

    Mutation and neighbours change one link or one op; changes that only reorder an
    equivalent network (same key) are not moves. The encoding describes the canonical form
    (one-hot canonical link pattern + one-hot op per layer), so equivalent architectures
    get the same vector. Decisions: links of layers 1-3 (2, 3, 4 choices), then 4 ops.
    """

    def __init__(self, ops: Sequence[str] = OPS, name: str = "graph", n_architectures: int | None = None):
        unknown = set(ops) - set(OPS)
        if unknown:
            raise ValueError(f"unknown graph ops {sorted(unknown)}")
        self.ops = tuple(ops)
        self.name = name
        self._op_index = {op: i for i, op in enumerate(self.ops)}
        self._op_set = frozenset(self.ops)
        self._n_changes = n_changes(self.ops)
        self._n_architectures = n_architectures

    # identity and validity
    def key(self, arch: GraphArch) -> str:
        self.validate(arch)
        return str(_canonical(arch.links, arch.ops)[0])

    def canonical(self, arch: GraphArch) -> GraphArch:
        self.validate(arch)
        return _canonical(arch.links, arch.ops)[1]

    def validate(self, arch: GraphArch) -> None:
        if not isinstance(arch, GraphArch):
            raise InvalidArchitectureError(f"{self.name}: expected a GraphArch, got {type(arch).__name__}")
        links, ops = arch.links, arch.ops
        # every move validates its parent: the common case in a few set operations
        if links in LINK_PATTERNS and len(ops) == N_LAYERS and self._op_set.issuperset(ops) and ops != SKIP_ONLY:
            return
        if len(links) != N_LAYERS or len(ops) != N_LAYERS:
            raise InvalidArchitectureError(f"{self.name}: an architecture has {N_LAYERS} links and {N_LAYERS} ops")
        for i, source in enumerate(links):
            if not 0 <= source <= i:
                raise InvalidArchitectureError(
                    f"{self.name}: layer {i} reads from {source}, but only 0..{i} (input or an earlier layer) exist"
                )
        for op in ops:
            if op not in self._op_index:
                raise InvalidArchitectureError(f"{self.name}: unknown op {op!r}; use one of {', '.join(self.ops)}")
        raise InvalidArchitectureError(f"{self.name}: an architecture of skip connections only is not a network")

    # moves
    def sample(self, rng: np.random.Generator) -> GraphArch:
        """The package's reference distribution: a canonical link pattern, ops uniformly."""
        while True:
            links = CANONICAL_LINKS[int(rng.integers(len(CANONICAL_LINKS)))]
            ops = tuple(map(self.ops.__getitem__, rng.integers(len(self.ops), size=N_LAYERS).tolist()))
            if ops != SKIP_ONLY:
                return _arch(links, ops)

    def mutate(self, arch: GraphArch, rng: np.random.Generator) -> GraphArch:
        """One link or op changed, uniformly among the changes that give another network.

        Changes are tried in a random order until one changes the key, which usually
        costs one or two canonicalisations instead of all of `neighbours`.
        """
        self.validate(arch)
        links, ops = arch.links, arch.ops
        parent = _canonical(links, ops)[0]
        for i in rng.permutation(self._n_changes).tolist():
            child = _other_network(links, ops, self.ops, i, parent)
            if child is not None:
                return child
        raise InvalidArchitectureError(f"{self.name}: {self.format(arch)} has no neighbour")  # pragma: no cover

    def sample_many(self, n: int, rng: np.random.Generator) -> list[GraphArch]:
        """`sample`'s distribution, every link pattern and op drawn in two calls (a draw of
        skip connections only is drawn again)."""
        links = rng.integers(len(CANONICAL_LINKS), size=n).tolist()
        ops = [tuple(map(self.ops.__getitem__, row)) for row in rng.integers(len(self.ops), size=(n, N_LAYERS)).tolist()]
        for i in [i for i, o in enumerate(ops) if o == SKIP_ONLY]:
            ops[i] = self.sample(rng).ops
        return [_arch(CANONICAL_LINKS[lk], o) for lk, o in zip(links, ops)]

    def mutate_many(self, archs: Sequence[GraphArch], rng: np.random.Generator) -> list[GraphArch]:
        """`mutate`'s distribution (a uniform change among those that give another network)
        by rejection: a uniform change, drawn again while it gives none, the changes drawn
        in batches; one `Generator` call per batch instead of a permutation per architecture."""
        n = self._n_changes
        changes: list[int] = []
        children = []
        for arch in archs:
            self.validate(arch)
            links, ops = arch.links, arch.ops
            parent = _canonical(links, ops)[0]
            for _ in range(4 * n):  # at least one of the n changes gives another network
                if not changes:
                    changes = rng.integers(n, size=max(2 * len(archs), 16)).tolist()
                child = _other_network(links, ops, self.ops, changes.pop(), parent)
                if child is not None:
                    children.append(child)
                    break
            else:  # rare (few changes give another network): the permutation, as `mutate`
                children.append(self.mutate(arch, rng))
        return children

    def neighbours(self, arch: GraphArch) -> list[GraphArch]:
        self.validate(arch)
        return list(_neighbours(arch.links, arch.ops, self.ops))

    # encodings
    @property
    def encoding_size(self) -> int:
        return len(CANONICAL_LINKS) + N_LAYERS * len(self.ops)

    def encode(self, arch: GraphArch) -> np.ndarray:
        canon = self.canonical(arch)
        vec = np.zeros(self.encoding_size)
        vec[CANONICAL_LINKS.index(canon.links)] = 1.0
        base = len(CANONICAL_LINKS)
        for i, op in enumerate(canon.ops):
            vec[base + i * len(self.ops) + self._op_index[op]] = 1.0
        return vec

    @property
    def decision_sizes(self) -> tuple[int, ...]:
        return tuple(range(2, N_LAYERS + 1)) + (len(self.ops),) * N_LAYERS

    def to_decisions(self, arch: GraphArch) -> np.ndarray:
        return np.array(self._decisions(arch), dtype=np.int64)

    def decisions_many(self, archs: Sequence[GraphArch]) -> np.ndarray:
        return np.array([self._decisions(a) for a in archs], dtype=np.int64).reshape(len(archs), len(self.decision_sizes))

    def _decisions(self, arch: GraphArch) -> tuple[int, ...]:
        self.validate(arch)
        return arch.links[1:] + tuple(map(self._op_index.__getitem__, arch.ops))

    def from_decisions(self, decisions: Sequence[int]) -> GraphArch:
        values = [int(d) for d in decisions]
        sizes = self.decision_sizes
        if len(values) != len(sizes) or any(not 0 <= v < s for v, s in zip(values, sizes)):
            raise InvalidArchitectureError(f"{self.name}: decisions {values} do not fit sizes {sizes}")
        arch = GraphArch((0, *values[: N_LAYERS - 1]), tuple(self.ops[v] for v in values[N_LAYERS - 1 :]))
        self.validate(arch)
        return arch

    # text form: "0,0,1,2|gcn,gat,sage,skip" (links, then ops)
    def parse(self, text: str) -> GraphArch:
        links_text, sep, ops_text = text.strip().partition("|")
        try:
            if not sep:
                raise ValueError
            links = tuple(int(v) for v in links_text.split(","))
        except ValueError:
            raise InvalidArchitectureError(
                f"{self.name}: cannot read {text!r}; write 4 links then 4 ops, e.g. 0,0,1,2|gcn,gat,sage,skip"
            ) from None
        arch = GraphArch(links, tuple(op.strip() for op in ops_text.split(",")))
        self.validate(arch)
        return arch

    def format(self, arch: GraphArch) -> str:
        return ",".join(map(str, arch.links)) + "|" + ",".join(arch.ops)

    @property
    def size(self) -> int:
        if self._n_architectures is None:
            self._n_architectures = len(self.all_keys)
        return self._n_architectures

    @cached_property
    def all_keys(self) -> frozenset[str]:
        """Every distinct key (enumerates all raw architectures: a few seconds)."""
        links = itertools.product(*(range(i + 1) for i in range(N_LAYERS)))
        raw = itertools.product(links, itertools.product(self.ops, repeat=N_LAYERS))
        return frozenset(
            str(Arch(list(lk), list(ops)).valid_hash()) for lk, ops in raw if ops != SKIP_ONLY
        )
