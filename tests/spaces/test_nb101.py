import functools
import itertools
import pathlib
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchlab.errors import ConfigError, InvalidArchitectureError, UserError
from benchlab.io.nb101_records import read_nb101_records
from benchlab.spaces.nb101 import (
    OPS,
    Cell,
    NB101Space,
    count_cells,
    official_module_hash,
    prune,
)

C3, C1, MP = OPS
# The NAS-Bench-101 README's example cell.
EXAMPLE = Cell(
    [
        [0, 1, 1, 1, 0, 1, 0],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 1, 0, 0],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 0],
    ],
    ["input", C1, C3, C3, C3, MP, "output"],
)


@pytest.fixture(scope="module")
def space():
    return NB101Space()


def relabel(cell: Cell, order) -> Cell:
    """The same network with its vertices renumbered: new vertex k is old vertex order[k]."""
    order = list(order)
    return Cell(cell.matrix[np.ix_(order, order)], [cell.ops[v] for v in order])


def topological_orders(cell: Cell):
    """Every order of the vertices that keeps the matrix upper-triangular (input, output fixed)."""
    n = cell.num_vertices
    for middle in itertools.permutations(range(1, n - 1)):
        order = [0, *middle, n - 1]
        if not np.tril(cell.matrix[np.ix_(order, order)]).any():
            yield order


# ------------------------------------------------------------------ real files (oracle)
@pytest.fixture
def real_cells(shared_nb101_dir):
    return _read_real_cells(str(shared_nb101_dir))


@functools.lru_cache(maxsize=1)
def _read_real_cells(shared: str) -> dict:
    """{max vertices of the file: {Cell: stored module_hash}} for both real files."""
    shared = pathlib.Path(shared)
    tables = {}
    for name, vertices in (("energy_4V9E.tfrecord", 4), ("energy_5V9E.tfrecord", 5)):
        tables[vertices] = {
            Cell(r.matrix, r.ops): r.module_hash for r in read_nb101_records(shared / name)
        }
    return tables


def test_official_hash_and_fast_key_equal_every_stored_module_hash(real_cells):
    assert {v: len(t) for v, t in real_cells.items()} == {4: 91, 5: 2532}
    big = NB101Space()
    for vertices, table in real_cells.items():
        space = NB101Space(vertices, 9)
        for cell, stored in table.items():
            assert official_module_hash(cell.matrix, cell.ops) == stored
            assert space.key(cell) == stored
            if vertices == 4:  # the key does not depend on the space's limits
                assert big.key(cell) == stored
        # the fast path's canonical classes are exactly the hash's classes
        assert len(space._key_by_canonical) == len(set(table.values())) == space.size


def test_fast_key_on_isomorphic_variants_of_real_cells(real_cells):
    space = NB101Space(5, 9)
    rng = np.random.default_rng(3)
    cells = list(real_cells[5].items())
    for i in rng.choice(len(cells), size=300, replace=False):
        cell, stored = cells[i]
        for order in topological_orders(cell):
            assert space.key(relabel(cell, order)) == stored


# --------------------------------------------------------------------- hash and keys
def test_official_hash_of_the_readme_example(space):
    # the README example cell's module hash as keyed in the published NAS-Bench-101 data
    assert official_module_hash(EXAMPLE.matrix, EXAMPLE.ops) == "28cfc7874f6d200472e1a9dcd8650aa0"
    assert space.key(EXAMPLE) == "28cfc7874f6d200472e1a9dcd8650aa0"


def test_isomorphic_relabelings_share_a_key_and_others_differ(space):
    rng = np.random.default_rng(0)
    keys = set()
    for _ in range(40):
        cell = space.sample(rng)
        expected = official_module_hash(cell.matrix, cell.ops)
        variants = [relabel(cell, order) for order in topological_orders(cell)]
        assert {space.key(v) for v in variants} == {expected}
        assert {official_module_hash(v.matrix, v.ops) for v in variants[:3]} == {expected}
        keys.add(expected)
    # vertices 1 and 2 are symmetric, so swapping their ops keeps the network...
    symmetric = Cell(EXAMPLE.matrix, ["input", C3, C1, C3, C3, MP, "output"])
    assert space.key(symmetric) == space.key(EXAMPLE)
    # ...while swapping the ops of vertices 3 (head of a chain) and 5 (alone) changes it
    swapped = Cell(EXAMPLE.matrix, ["input", C1, C3, MP, C3, C3, "output"])
    assert space.key(swapped) != space.key(EXAMPLE)
    assert space.key(swapped) == official_module_hash(swapped.matrix, swapped.ops)


def test_dangling_vertices_do_not_change_the_key(space):
    small = Cell([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", C3, "output"])
    padded = Cell(
        [[0, 1, 0, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 1, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]],
        ["input", C3, MP, C1, "output"],
    )
    # vertex 2 has no input path, vertex 3 no output path
    assert space.key(padded) == space.key(small) == official_module_hash(small.matrix, small.ops)
    assert space.prune(padded) == small


# -------------------------------------------------------------------------- pruning
def test_official_pruning_cases(space):
    matrix, ops = prune(
        [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0]], ["input", C3, MP, "output"]
    )
    assert matrix.tolist() == [[0, 1, 0], [0, 0, 1], [0, 0, 0]] and ops == ["input", C3, "output"]
    # already pruned: unchanged
    matrix, ops = prune(EXAMPLE.matrix, EXAMPLE.ops)
    assert (matrix == EXAMPLE.matrix).all() and ops == list(EXAMPLE.ops)
    # direct input->output edge with every interior vertex dangling
    direct = Cell([[0, 1, 1], [0, 0, 0], [0, 0, 0]], ["input", C3, "output"])
    assert space.prune(direct) == Cell([[0, 1], [0, 0]], ["input", "output"])
    assert space.key(direct) == official_module_hash([[0, 1], [0, 0]], ["input", "output"])


def test_disconnected_cells_are_invalid(space):
    cut = Cell([[0, 1, 0], [0, 0, 0], [0, 0, 0]], ["input", C3, "output"])
    for call in (lambda: prune(cut, None), lambda: space.key(cut), lambda: space.validate(cut)):
        with pytest.raises(InvalidArchitectureError, match="disconnected"):
            call()
    assert not space.is_valid(cut)


# -------------------------------------------------------------------- invalid rules
@pytest.mark.parametrize(
    "matrix, ops, rule",
    [
        ([[0, 1, 0], [0, 0, 1]], ["input", C3, "output"], "non-square"),
        (np.zeros((2, 3)), ["input", "output"], "non-square"),
        ([[0, 2], [0, 0]], ["input", "output"], "non-0/1"),
        ([[0, -1], [0, 0]], ["input", "output"], "non-0/1"),
        (np.array([[0, 256], [0, 0]]), ["input", "output"], "non-0/1"),
        (np.array([[0, 0.5], [0, 0]]), ["input", "output"], "non-0/1"),
        ([[0, 1, 0], [0, 0, 1], [1, 0, 0]], ["input", C3, "output"], "not upper-triangular"),
        ([[1, 1], [0, 0]], ["input", "output"], "not upper-triangular"),
        ([[0, 1], [0, 0]], ["input", C3, "output"], "wrong number of ops"),
        ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "conv5x5", "output"], "wrong op name"),
        ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], [C3, C3, "output"], "first op must be 'input'"),
        ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", C3, MP], "last op must be 'output'"),
        ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "output", "output"], "interior ops"),
        ([[0]], ["input"], "too few vertices"),
        ([2, 2], ["input", "output"], "non-square"),
        ([np.array([0, 1, 1]), np.array([0, 0])], ["input", "output"], "non-square"),
        ([[0, 1.5], [0, 0]], ["input", "output"], "non-0/1"),
        ([["0", "1"], ["0", "0"]], ["input", "output"], "non-0/1"),
        (np.array([[0, None], [0, 0]]), ["input", "output"], "non-0/1"),
    ],
)
def test_every_malformed_cell_names_its_rule(matrix, ops, rule):
    with pytest.raises(InvalidArchitectureError, match=rule) as info:
        Cell(matrix, ops)
    assert "\n" not in str(info.value)


def test_limits_are_judged_after_pruning():
    chain = lambda n: Cell(np.eye(n, k=1, dtype=np.uint8), ["input", *[C3] * (n - 2), "output"])  # noqa: E731
    space = NB101Space(max_vertices=5, max_edges=5)
    space.validate(chain(5))
    with pytest.raises(InvalidArchitectureError, match="too many vertices: 6 after pruning"):
        space.validate(chain(6))
    # 6 raw vertices, one dangling: 5 after pruning, valid
    raw = np.zeros((6, 6), np.uint8)
    raw[[0, 1, 2, 3], [1, 2, 3, 5]] = 1
    raw[0, 4] = 1
    space.validate(Cell(raw, ["input", C3, C3, C3, MP, "output"]))
    dense = Cell(np.triu(np.ones((5, 5), np.uint8), 1), ["input", C3, C3, C3, "output"])
    with pytest.raises(InvalidArchitectureError, match="too many edges: 10 after pruning"):
        space.validate(dense)
    with pytest.raises(InvalidArchitectureError, match="expected an NB101 Cell"):
        space.key("not a cell")


def test_a_pickled_space_leaves_its_caches_behind(space):
    space.key(EXAMPLE)
    copy = pickle.loads(pickle.dumps(space))
    assert not copy._key_by_cell and copy.key(EXAMPLE) == space.key(EXAMPLE)
    assert (copy.max_vertices, copy.max_edges, copy.encoding) == (7, 9, "path")


def test_bad_constructor_arguments():
    for kwargs in ({"max_vertices": 1}, {"max_vertices": 8}, {"max_edges": 0}, {"encoding": "x"}):
        with pytest.raises(ConfigError):
            NB101Space(**kwargs)


# ----------------------------------------------------------------------- the value type
def test_cell_is_an_immutable_value():
    matrix = np.array(EXAMPLE.matrix)
    cell = Cell(matrix, list(EXAMPLE.ops))
    matrix[0, 6] = 1  # the caller's array is copied
    assert cell == EXAMPLE and hash(cell) == hash(EXAMPLE)
    assert cell.matrix.dtype == np.uint8 and not cell.matrix.flags.writeable
    with pytest.raises(AttributeError):
        cell.ops = ()
    with pytest.raises(ValueError):
        cell.matrix[0, 1] = 0
    assert pickle.loads(pickle.dumps(cell)) == cell
    assert Cell(EXAMPLE.matrix.astype(bool), EXAMPLE.ops) == EXAMPLE
    assert Cell(list(EXAMPLE.matrix.astype(np.int64)), EXAMPLE.ops) == EXAMPLE
    assert Cell(EXAMPLE.matrix.astype(">i4"), EXAMPLE.ops) == EXAMPLE
    assert Cell(EXAMPLE.matrix.astype(object), EXAMPLE.ops) == EXAMPLE
    assert Cell(tuple(map(tuple, EXAMPLE.matrix.tolist())), EXAMPLE.ops) == EXAMPLE
    assert Cell(EXAMPLE.matrix.astype(float), np.array(EXAMPLE.ops)) == EXAMPLE
    # equality is raw, not up to isomorphism
    other = relabel(EXAMPLE, [0, 2, 1, 3, 4, 5, 6])
    assert other != EXAMPLE and NB101Space().key(other) == NB101Space().key(EXAMPLE)


def test_cells_differing_in_one_op_or_edge_are_different_values():
    ops = list(EXAMPLE.ops)
    for i in range(1, len(ops) - 1):
        for op in OPS:
            changed = Cell(EXAMPLE.matrix, ops[:i] + [op] + ops[i + 1 :])
            assert (changed == EXAMPLE) == (op == ops[i])
            assert (changed._key == EXAMPLE._key) == (op == ops[i])
    matrix = EXAMPLE.matrix.copy()
    matrix[0, 1] ^= 1
    assert Cell(matrix, ops) != EXAMPLE
    # the same raw spec at another size is another key (n * n + n bytes fixes n)
    assert len({Cell(np.eye(n, k=1, dtype=int), ["input"] + ["maxpool3x3"] * (n - 2) + ["output"])._key for n in range(2, 8)}) == 6


# ------------------------------------------------------------------------------ moves
def test_sampling_is_reproducible_valid_and_full_size(space):
    a = [space.sample(np.random.default_rng(5)) for _ in range(3)]
    b = [space.sample(np.random.default_rng(5)) for _ in range(3)]
    assert a == b
    rng = np.random.default_rng(6)
    cells = [space.sample(rng) for _ in range(300)]
    assert all(space.is_valid(c) and c.num_vertices == 7 for c in cells)
    assert len({space.key(c) for c in cells}) > 150
    # op frequencies near uniform over interior vertices
    counts = np.bincount([c._codes[v] for c in cells for v in range(1, 6)], minlength=3)
    assert (np.abs(counts / counts.sum() - 1 / 3) < 0.05).all()


def test_mutation_gives_a_valid_cell_with_another_key(space):
    rng = np.random.default_rng(7)
    for _ in range(100):
        parent = space.sample(rng)
        child = space.mutate(parent, rng)
        assert space.is_valid(child) and space.key(child) != space.key(parent)
    small = Cell([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", C3, "output"])
    child = space.mutate(small, rng)
    assert child.num_vertices == 7 and space.key(child) != space.key(small)
    a = space.mutate(EXAMPLE, np.random.default_rng(1))
    assert a == space.mutate(EXAMPLE, np.random.default_rng(1))
    # rate scales how far a child moves: mean Hamming distance grows with it
    def distance(rate):
        children = [space.mutate(EXAMPLE, rng, rate=rate) for _ in range(200)]
        return np.mean([(c.matrix != EXAMPLE.matrix).sum() + sum(
            a != b for a, b in zip(c.ops, EXAMPLE.ops)) for c in children])
    assert distance(0.5) < distance(3.0)
    with pytest.raises(UserError, match="single cell"):
        NB101Space(2, 9).mutate(Cell([[0, 1], [0, 0]], ["input", "output"]), rng)


def test_neighbours_are_valid_distinct_and_one_move_away(space):
    rng = np.random.default_rng(8)
    for parent in [EXAMPLE, *(space.sample(rng) for _ in range(20))]:
        neighbours = space.neighbours(parent)
        keys = [space.key(n) for n in neighbours]
        assert neighbours and len(set(keys)) == len(keys) and space.key(parent) not in keys
        for n in neighbours:
            edge_changes = int((n.matrix != parent.matrix).sum())
            op_changes = sum(a != b for a, b in zip(n.ops, parent.ops))
            assert edge_changes + op_changes == 1
        # completeness: every valid single move is represented by some key
        expected = set()
        for i, j in zip(*np.triu_indices(7, 1)):
            matrix = parent.matrix.copy()
            matrix[i, j] ^= 1
            cell = Cell(matrix, parent.ops)
            if space.is_valid(cell):
                expected.add(space.key(cell))
        for v in range(1, 6):
            for op in OPS:
                cell = Cell(parent.matrix, [*parent.ops[:v], op, *parent.ops[v + 1 :]])
                expected.add(space.key(cell))
        assert set(keys) == expected - {space.key(parent)}


# -------------------------------------------------------------------------- encodings
def test_encoding_lengths_and_selection():
    path, adjacency = NB101Space(), NB101Space(encoding="adjacency")
    assert path.encoding_size == 364 == path.encode(EXAMPLE).shape[0]
    assert adjacency.encoding_size == 21 + 15 == adjacency.encode(EXAMPLE).shape[0]
    assert NB101Space(5, 9).encoding_size == 1 + 3 + 9 + 27
    assert path.encode_many([EXAMPLE, EXAMPLE]).shape == (2, 364)


def test_path_encoding_marks_each_input_output_path(space):
    # EXAMPLE's paths: in-conv1x1-out, in-conv3x3-out, in-conv3x3-conv3x3-out, in-maxpool-out
    vec = space.encode_path(EXAMPLE)
    expected = {1 + 1, 0 + 1, (0 + 1) + 3 * (0 + 1), 2 + 1}
    assert set(np.flatnonzero(vec)) == expected and set(vec) <= {0.0, 1.0}
    direct = Cell([[0, 1], [0, 0]], ["input", "output"])
    assert np.flatnonzero(space.encode_path(direct)).tolist() == [0]
    # isomorphic cells share the path encoding
    variant = relabel(EXAMPLE, [0, 2, 1, 3, 4, 5, 6])
    assert (space.encode_path(variant) == vec).all()


def test_adjacency_encoding_of_a_pruned_padded_cell(space):
    small = Cell([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", MP, "output"])
    vec = space.encode_adjacency(small)
    edges, onehot = vec[:21], vec[21:].reshape(5, 3)
    upper = list(zip(*np.triu_indices(7, 1)))
    assert {upper[i] for i in np.flatnonzero(edges)} == {(0, 1), (1, 6)}
    assert onehot[0].tolist() == [0, 0, 1] and not onehot[1:].any()


# -------------------------------------------------------------------------- decisions
def test_decisions_round_trip(space):
    assert space.decision_sizes == (2,) * 21 + (3,) * 5
    rng = np.random.default_rng(9)
    for _ in range(50):
        cell = space.sample(rng)
        decisions = space.to_decisions(cell)
        assert decisions.shape == (26,)
        assert space.from_decisions(decisions) == cell
    small = Cell([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", MP, "output"])
    assert space.key(space.from_decisions(space.to_decisions(small))) == space.key(small)


def test_bad_decisions_raise(space):
    with pytest.raises(InvalidArchitectureError, match="disconnected"):
        space.from_decisions([0] * 26)
    with pytest.raises(InvalidArchitectureError, match="expected 26 decisions"):
        space.from_decisions([0] * 25)
    with pytest.raises(InvalidArchitectureError, match="0..decision_sizes"):
        space.from_decisions([1] * 21 + [3] * 5)


# ---------------------------------------------------------------------------- text form
def test_parse_and_format(space):
    text = space.format(EXAMPLE)
    assert text.startswith("0111010" "0000001") and text.endswith(f"|input,{C1},{C3},{C3},{C3},{MP},output")
    assert space.parse(text) == EXAMPLE
    for bad in ("0110", "01|input,output", "0120|input,output", "0100|input,bad"):
        with pytest.raises(InvalidArchitectureError):
            space.parse(bad)


# -------------------------------------------------------------------------------- size
def test_sizes_are_tabulated_for_the_published_spaces():
    assert NB101Space().size == 423_624
    assert NB101Space(4, 9).size == 91
    assert NB101Space(5, 9).size == 2532


def test_enumerated_small_spaces_match_the_real_tables():
    assert count_cells(4, 9) == 91
    assert count_cells(5, 9) == 2532
    # in->out alone, and in->op->out with or without the in->out edge: 1 + 2 * 3
    assert NB101Space(3, 9).size == count_cells(3, 9) == 7


@pytest.mark.parametrize("vertices, expected", [(4, 91), (5, 2532)])
def test_every_raw_cell_of_the_small_spaces_gives_the_published_number_of_keys(vertices, expected):
    """Brute force over every raw cell (2^edges x 3^interior): the keys are the tables'."""
    space = NB101Space(vertices, 9)
    rows, cols = np.triu_indices(vertices, 1)
    keys = set()
    for bits in itertools.product((0, 1), repeat=len(rows)):
        matrix = np.zeros((vertices, vertices), np.uint8)
        matrix[rows, cols] = bits
        for ops in itertools.product(OPS, repeat=vertices - 2):
            cell = Cell(matrix, ["input", *ops, "output"])
            if space.is_valid(cell):
                keys.add(space.key(cell))
    assert len(keys) == expected


@pytest.mark.slow
def test_enumerated_full_space_has_the_published_count():
    # every isomorphism class counted once; equal to the published number of module
    # hashes, so on this space the canonical form and the official hash partition alike
    assert count_cells(7, 9) == 423_624


# ------------------------------------------------------------------------- properties
upper_bits = st.lists(st.integers(0, 1), min_size=21, max_size=21)
interior_ops = st.lists(st.integers(0, 2), min_size=5, max_size=5)


@settings(max_examples=80, deadline=None)
@given(bits=upper_bits, ops=interior_ops, seed=st.integers(0, 2**32 - 1))
def test_key_agrees_with_the_oracle_on_random_cells_and_relabelings(bits, ops, seed):
    space = NB101Space()
    matrix = np.zeros((7, 7), np.uint8)
    matrix[np.triu_indices(7, 1)] = bits
    cell = Cell(matrix, ["input", *(OPS[o] for o in ops), "output"])
    try:
        expected = official_module_hash(cell.matrix, cell.ops)
    except InvalidArchitectureError:
        assert not space.is_valid(cell)
        return
    if space.is_valid(cell):
        assert space.key(cell) == expected
        orders = list(topological_orders(cell))
        order = orders[np.random.default_rng(seed).integers(len(orders))]
        assert space.key(relabel(cell, order)) == expected
        assert space.from_decisions(space.to_decisions(cell)) == cell
        assert space.parse(space.format(cell)) == cell
