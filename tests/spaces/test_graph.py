import numpy as np
import pytest
from nas_bench_graph.architecture import Arch
from scipy.stats import chi2_contingency

from benchlab.errors import InvalidArchitectureError
from benchlab.spaces.graph import OPS, PROTEINS_OPS, GraphArch, GraphSpace


@pytest.fixture(scope="module")
def space():
    return GraphSpace()


def test_key_is_the_package_hash_and_equivalent_archs_share_it(space):
    arch = GraphArch((0, 0, 1, 2), ("gcn", "gat", "sage", "fc"))
    assert space.key(arch) == str(Arch([0, 0, 1, 2], ["gcn", "gat", "sage", "fc"]).valid_hash())
    # two parallel branches from the input, listed in either order, are the same network
    a = GraphArch((0, 0, 1, 2), ("gcn", "gat", "sage", "fc"))
    b = GraphArch((0, 0, 2, 1), ("gat", "gcn", "sage", "fc"))
    assert space.key(a) == space.key(b)
    assert np.array_equal(space.encode(a), space.encode(b))
    # four parallel layers: any permutation of the ops is the same network
    c = GraphArch((0, 0, 0, 0), ("gin", "gcn", "fc", "gat"))
    d = GraphArch((0, 0, 0, 0), ("gat", "fc", "gcn", "gin"))
    assert space.key(c) == space.key(d)


def test_validity_rules(space):
    with pytest.raises(InvalidArchitectureError, match="skip connections only"):
        space.validate(GraphArch((0, 0, 0, 0), ("skip",) * 4))
    with pytest.raises(InvalidArchitectureError, match="layer 2 reads from 3"):
        space.validate(GraphArch((0, 1, 3, 0), ("gcn",) * 4))
    with pytest.raises(InvalidArchitectureError, match="unknown op"):
        space.validate(GraphArch((0, 0, 0, 0), ("gcn", "gcn", "gcn", "transformer")))
    with pytest.raises(InvalidArchitectureError, match="unknown op 'gat'"):
        GraphSpace(PROTEINS_OPS).validate(GraphArch((0, 0, 0, 0), ("gat",) * 4))


def test_sampling_is_seeded_and_valid(space):
    a = [space.sample(np.random.default_rng(5)) for _ in range(3)]
    assert a == [space.sample(np.random.default_rng(5)) for _ in range(3)]
    rng = np.random.default_rng(0)
    samples = [space.sample(rng) for _ in range(300)]
    assert all(space.is_valid(s) for s in samples)
    assert len({space.key(s) for s in samples}) > 250


@pytest.mark.parametrize("ops", [OPS, PROTEINS_OPS])
def test_mutation_and_neighbours_are_valid_and_distinct(ops):
    space = GraphSpace(ops)
    rng = np.random.default_rng(1)
    for _ in range(40):
        parent = space.sample(rng)
        neighbours = space.neighbours(parent)
        keys = [space.key(n) for n in neighbours]
        assert neighbours and len(keys) == len(set(keys))
        assert space.key(parent) not in keys
        child = space.mutate(parent, rng)
        assert space.is_valid(child) and space.key(child) != space.key(parent)
        changed = sum(p != c for p, c in zip(parent.links + parent.ops, child.links + child.ops))
        assert changed == 1


def test_encoding_and_decisions(space):
    assert space.encoding_size == 9 + 4 * 9
    assert GraphSpace(PROTEINS_OPS).encoding_size == 9 + 4 * 5
    assert space.decision_sizes == (2, 3, 4, 9, 9, 9, 9)
    rng = np.random.default_rng(2)
    for _ in range(30):
        arch = space.sample(rng)
        vec = space.encode(arch)
        assert vec.shape == (45,) and vec.sum() == 5
        assert space.from_decisions(space.to_decisions(arch)) == arch
    with pytest.raises(InvalidArchitectureError, match="skip connections only"):
        space.from_decisions([0, 0, 0, 8, 8, 8, 8])
    with pytest.raises(InvalidArchitectureError, match="do not fit"):
        space.from_decisions([2, 0, 0, 0, 0, 0, 0])


def test_text_form(space):
    arch = space.parse("0,0,1,2|gcn,gat,sage,skip")
    assert arch == GraphArch((0, 0, 1, 2), ("gcn", "gat", "sage", "skip"))
    assert space.parse(space.format(arch)) == arch
    for bad in ["", "0,0,1,2", "0,0,1|gcn,gat,sage,skip", "a,b,c,d|gcn,gcn,gcn,gcn", "0,0,1,2|gcn,gat"]:
        with pytest.raises(InvalidArchitectureError, match="graph"):
            space.parse(bad)


def test_proteins_space_has_the_2021_package_architectures():
    assert GraphSpace(PROTEINS_OPS).size == 2021


@pytest.mark.slow
def test_full_space_has_26206_distinct_architectures(space):
    assert GraphSpace().size == 26_206


PINNED = {  # seed 7: three samples, a chain of four mutations from the last, its neighbours
    OPS: (
        ["0,1,2,3|arma,graph,skip,arma", "0,1,1,2|fc,gin,gat,gin", "0,0,1,1|fc,skip,gat,sage"],
        ["0,0,1,1|sage,skip,gat,sage", "0,0,0,1|sage,skip,gat,sage", "0,0,0,1|gat,skip,gat,sage",
         "0,0,0,1|gat,skip,fc,sage"],
        ["0,1,0,1|gat,skip,fc,sage", "0,0,1,1|gat,skip,fc,sage", "0,0,0,0|gat,skip,fc,sage"],
        36,
        428,
    ),
    PROTEINS_OPS: (
        ["0,1,2,3|fc,fc,skip,arma", "0,1,1,2|skip,sage,gcn,sage", "0,0,1,1|skip,skip,gcn,arma"],
        ["0,0,1,1|skip,skip,gcn,skip", "0,0,1,1|skip,skip,fc,skip", "0,0,1,1|skip,skip,fc,fc",
         "0,0,1,1|skip,sage,fc,fc"],
        ["0,0,2,1|skip,sage,fc,fc", "0,0,1,3|skip,sage,fc,fc", "0,0,1,1|gcn,sage,fc,fc"],
        14,
        406,
    ),
}


@pytest.mark.parametrize("ops", [OPS, PROTEINS_OPS])
def test_moves_draw_the_pinned_architectures(ops):
    """The same generator gives the same samples, mutations and neighbours (and leaves the
    generator in the same state): a faster implementation must not change the draws."""
    samples, mutations, first_neighbours, n_neighbours, next_draw = PINNED[ops]
    space = GraphSpace(ops)
    rng = np.random.default_rng(7)
    assert [space.format(space.sample(rng)) for _ in range(3)] == samples
    chain = [space.parse(samples[-1])]
    for _ in range(4):
        chain.append(space.mutate(chain[-1], rng))
    assert [space.format(a) for a in chain[1:]] == mutations
    neighbours = space.neighbours(chain[-1])
    assert [space.format(a) for a in neighbours[:3]] == first_neighbours and len(neighbours) == n_neighbours
    assert int(rng.integers(1000)) == next_draw


def _two_sample_p(ours: list, theirs: list) -> float:
    """chi-squared test that two samples of categories come from one distribution."""
    categories = sorted(set(ours) | set(theirs))
    table = np.array([[ours.count(c) for c in categories], [theirs.count(c) for c in categories]])
    return float(chi2_contingency(table[:, table.sum(axis=0) >= 10])[1])


@pytest.mark.slow
@pytest.mark.parametrize("ops", [OPS, PROTEINS_OPS])
def test_sample_many_has_the_distribution_of_sample(ops):
    """100,000 draws each: link pattern, each layer's op, and skip connections only never."""
    space, n = GraphSpace(ops), 100_000
    ours = space.sample_many(n, np.random.default_rng(1))
    rng = np.random.default_rng(2)
    theirs = [space.sample(rng) for _ in range(n)]
    assert len(ours) == n and all(a.ops != ("skip",) * 4 for a in ours)
    p_values = [_two_sample_p([a.links for a in ours], [a.links for a in theirs])]
    p_values += [_two_sample_p([a.ops[i] for a in ours], [a.ops[i] for a in theirs]) for i in range(4)]
    assert min(p_values) > 0.01 / len(p_values), p_values  # a family-wise 1% level


@pytest.mark.slow
def test_mutate_many_has_the_distribution_of_mutate():
    """For each of five parents, 20,000 children each way: the same distribution over
    (links, ops), every child another network one change away."""
    space = GraphSpace()
    parents = space.sample_many(4, np.random.default_rng(3)) + [GraphArch((0, 0, 0, 0), ("skip", "skip", "skip", "gcn"))]
    p_values = []
    for parent in parents:
        ours = space.mutate_many([parent] * 20_000, np.random.default_rng(4))
        rng = np.random.default_rng(5)
        theirs = [space.mutate(parent, rng) for _ in range(20_000)]
        assert all(space.key(c) != space.key(parent) for c in set(ours))
        p_values.append(_two_sample_p([(c.links, c.ops) for c in ours], [(c.links, c.ops) for c in theirs]))
    assert min(p_values) > 0.01 / len(p_values), p_values


def test_many_moves_are_valid_and_follow_the_generator():
    space = GraphSpace()
    parents = space.sample_many(50, np.random.default_rng(6))
    children = space.mutate_many(parents, np.random.default_rng(7))
    assert children == space.mutate_many(parents, np.random.default_rng(7))
    for parent, child in zip(parents, children):
        assert space.is_valid(child) and space.key(child) != space.key(parent)
        assert sum(p != c for p, c in zip(parent.links + parent.ops, child.links + child.ops)) == 1
    assert space.mutate_many([], np.random.default_rng(0)) == [] and space.sample_many(0, np.random.default_rng(0)) == []
    with pytest.raises(InvalidArchitectureError):
        space.mutate_many([parents[0], GraphArch((0, 0, 0, 0), ("skip",) * 4)], np.random.default_rng(0))
