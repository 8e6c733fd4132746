import numpy as np
import pytest

from benchlab.errors import InvalidArchitectureError
from benchlab.spaces.nb201 import OPS, NB201Space

BEST_CIFAR10 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"


@pytest.fixture(scope="module")
def space():
    return NB201Space()


def test_size_decisions_and_encoding_length(space):
    assert space.size == 15_625
    assert space.decision_sizes == (5,) * 6
    assert space.encoding_size == 30
    vec = space.encode((3, 3, 3, 1, 3, 2))
    assert vec.shape == (30,) and vec.sum() == 6
    assert vec.reshape(6, 5).argmax(axis=1).tolist() == [3, 3, 3, 1, 3, 2]


def test_nb201_string_round_trip(space):
    arch = space.parse(BEST_CIFAR10)
    assert arch == (3, 3, 3, 1, 3, 2)
    assert space.format(arch) == BEST_CIFAR10
    rng = np.random.default_rng(3)
    for _ in range(50):
        a = space.sample(rng)
        assert space.parse(space.format(a)) == a


def test_plain_indices_are_accepted(space):
    assert space.parse("3,3,3,1,3,2") == space.parse("333132") == (3, 3, 3, 1, 3, 2)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "|nor_conv_3x3~0|",
        "|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|",  # unknown op
        "|none~0|+|none~0|none~1|+|none~0|none~1|none~3|",  # wrong source node
        "|none~0|+|none~0|+|none~0|none~1|none~2|",  # node 2 with one input
        "3,3,3,1,3",
        "3,3,3,1,3,7",
        "33313x",
    ],
)
def test_malformed_text_is_a_clear_error(space, text):
    with pytest.raises(InvalidArchitectureError, match="nb201"):
        space.parse(text)


def test_mutation_changes_one_edge_and_neighbours_are_the_24_one_edge_changes(space):
    rng = np.random.default_rng(0)
    for _ in range(100):
        parent = space.sample(rng)
        child = space.mutate(parent, rng)
        assert space.is_valid(child)
        assert sum(p != c for p, c in zip(parent, child)) == 1
        neighbours = space.neighbours(parent)
        assert len(neighbours) == 24 == len({space.key(n) for n in neighbours})
        assert space.key(parent) not in {space.key(n) for n in neighbours}
        assert all(sum(p != c for p, c in zip(parent, n)) == 1 for n in neighbours)


def test_decisions_round_trip(space):
    arch = (0, 4, 2, 1, 3, 0)
    assert space.from_decisions(space.to_decisions(arch)) == arch
    with pytest.raises(InvalidArchitectureError):
        space.from_decisions([5, 0, 0, 0, 0, 0])


def test_ops_are_the_nb201_operations():
    assert OPS == ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")


def test_path_encoding_names_the_op_sequences_of_open_routes():
    from benchlab.predictors.base import encode_for_prediction

    space = NB201Space(encoding="path")
    assert space.encoding_size == space.path_size == 4 + 16 + 64
    # all 3x3 convs: every route is open, one entry per route length (same op sequence)
    vec = space.encode((3, 3, 3, 3, 3, 3))
    assert vec.sum() == 3
    # only the direct edge 3<-0 is open
    only_direct = space.encode((0, 0, 0, 2, 0, 0))
    assert only_direct.sum() == 1 and only_direct[:4].tolist() == [0, 1, 0, 0]
    assert space.encode((0,) * 6).sum() == 0
    # the default encoding stays the one-hot; predictors ask for the path encoding
    assert NB201Space().encode((3,) * 6).shape == (30,)
    assert encode_for_prediction(NB201Space(), [(3,) * 6]).shape == (1, 84)
    assert encode_for_prediction(NB201Space(), [(3,) * 6], "path+space").shape == (1, 114)
    with pytest.raises(Exception, match="encoding"):
        NB201Space(encoding="graph")


def test_path_encoding_distinguishes_most_cells():
    space = NB201Space(encoding="path")
    rng = np.random.default_rng(0)
    archs = {space.sample(rng) for _ in range(500)}
    codes = {space.encode(a).tobytes() for a in archs}
    assert len(codes) > 0.5 * len(archs)
