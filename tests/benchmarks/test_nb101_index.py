import numpy as np
import pytest

from benchlab.benchmarks.nb101 import NB101Benchmark
from benchlab.benchmarks.nb101_index import StructuralIndex, isomorphic, shape_of_cell, table_fingerprints
from benchlab.errors import InvalidArchitectureError
from benchlab.spaces.nb101 import LABELS, Cell, NB101Space, official_module_hash, prune
from tests.compat.nb101_tables import distinct_cells, isomorphic_variant, random_metrics, stack_cells, write_table


@pytest.fixture(scope="module")
def sampled():
    space = NB101Space()
    rng = np.random.default_rng(17)
    return [space.sample(rng) for _ in range(400)]


def test_vectorised_fingerprints_equal_the_per_cell_ones(sampled):
    cells = [Cell(*prune(c, None)) for c in sampled] + distinct_cells(50, seed=2, max_vertices=5)
    fingerprints, colours, pruned = table_fingerprints(*stack_cells(cells, width=7))
    assert pruned.all()
    for i, cell in enumerate(cells):
        shape = shape_of_cell(cell)
        assert shape.fingerprint == int(fingerprints[i])
        kept = colours[i][colours[i] != 0].tolist()
        assert sorted(kept) == sorted(shape.colours)


def test_stored_cells_that_are_not_pruned_are_flagged_and_left_to_the_official_key(sampled):
    unpruned = [c for c in sampled if prune(c, None)[0].shape[0] < c.num_vertices][:20]
    assert unpruned
    _, _, pruned = table_fingerprints(*stack_cells(unpruned, width=7))
    assert not pruned.any()
    index = StructuralIndex(*stack_cells(unpruned, width=7))
    assert not index.unique_rows and index.find(shape_of_cell(unpruned[0])) is None


def test_pruning_matches_the_official_rule(sampled):
    for cell in sampled:
        matrix, ops = prune(cell, None)
        shape = shape_of_cell(cell)
        assert shape.kept_labels() == [LABELS[o] for o in ops]
        assert shape.edges == int(matrix.sum())
    dead = Cell([[0, 1, 0], [0, 0, 0], [0, 0, 0]], ["input", "maxpool3x3", "output"])
    assert shape_of_cell(dead) is None


def test_same_official_hash_same_fingerprint_and_isomorphism_is_exact(sampled):
    rng = np.random.default_rng(3)
    by_hash: dict[str, set] = {}
    for cell in sampled[:150]:
        pruned = Cell(*prune(cell, None))
        variant = isomorphic_variant(pruned, rng)
        a, b = shape_of_cell(cell), shape_of_cell(variant)
        assert a.fingerprint == b.fingerprint and isomorphic(a, b) and isomorphic(b, a)
        by_hash.setdefault(official_module_hash(cell, None), set()).add(a.fingerprint)
    assert all(len(f) == 1 for f in by_hash.values())
    # different networks: never reported isomorphic
    shapes = [shape_of_cell(c) for c in sampled[:60]]
    keys = [official_module_hash(c, None) for c in sampled[:60]]
    for i in range(60):
        for j in range(i + 1, 60):
            if keys[i] != keys[j]:
                assert not isomorphic(shapes[i], shapes[j])


def test_index_finds_rows_and_misses_absent_cells():
    cells = distinct_cells(60, seed=5)
    index = StructuralIndex(*stack_cells(cells, width=7))
    rng = np.random.default_rng(0)
    for row, cell in enumerate(cells):
        assert index.find(shape_of_cell(isomorphic_variant(cell, rng))) == row
    absent = distinct_cells(80, seed=6)
    present = {official_module_hash(c, None) for c in cells}
    for cell in absent:
        if official_module_hash(cell, None) not in present:
            assert index.find(shape_of_cell(cell)) is None


def test_benchmark_answers_first_sightings_structurally(tmp_path, monkeypatch):
    cells = distinct_cells(40, seed=8)
    bench = NB101Benchmark.open(write_table(tmp_path / "t.h5", cells, random_metrics(40)), index_after=0)
    calls = []
    official_key = bench.space.key
    monkeypatch.setattr(bench.space, "key", lambda cell: calls.append(cell) or official_key(cell))
    rng = np.random.default_rng(1)
    for row, cell in enumerate(cells):
        assert bench.row_of(isomorphic_variant(cell, rng)) == row
    assert not calls and bench.resolver.structure is not None and not bench.resolver.complete
    other = next(c for c in distinct_cells(60, seed=9) if not bench.has_key(official_module_hash(c, None)))
    with pytest.raises(InvalidArchitectureError, match="is not in the table"):
        bench.row_of(other)
    assert calls == [other]  # no candidate passed the isomorphism check: the official key decides


def test_index_waits_for_enough_first_sightings(tmp_path):
    cells = distinct_cells(12, seed=4)
    path = write_table(tmp_path / "t.h5", cells, random_metrics(12))
    bench = NB101Benchmark.open(path, index_after=5)
    for cell in cells[:5]:
        bench.query(cell, np.random.default_rng(0))
    assert bench.resolver.structure is None and bench.resolver.first_sightings == 5
    bench.query(cells[5], np.random.default_rng(0))
    assert bench.resolver.structure is not None
    # a resolver's state is its own; an index built once can be handed to another benchmark
    other = NB101Benchmark.open(path, structural_index=bench.resolver.structure)
    assert NB101Benchmark.open(path).resolver.structure is None
    assert other.resolver.structure is bench.resolver.structure and other.row_of(cells[7]) == 7


@pytest.mark.slow
def test_complete_real_table_rows_by_fingerprint(shared_nb101_dir, tmp_path):
    from benchlab.io.nb101_convert import convert_nb101

    path = convert_nb101(shared_nb101_dir / "energy_5V9E.tfrecord", tmp_path / "5v.h5", progress=False)
    bench = NB101Benchmark.open(path, index_after=0)
    rng = np.random.default_rng(2)
    space = bench.space
    for _ in range(300):
        cell = space.sample(rng)
        assert bench.row_of(cell) == bench.row_of_key(official_module_hash(cell, None))
    assert bench.resolver.complete
