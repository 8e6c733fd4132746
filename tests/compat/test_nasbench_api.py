import copy

import numpy as np
import pytest

from benchlab.benchmarks import nb101
from benchlab.compat.nasbench import api
from benchlab.errors import UserError
from benchlab.spaces.nb101 import official_module_hash
from tests.compat.nb101_tables import distinct_cells, random_metrics, write_table

INPUT, OUTPUT = "input", "output"
CONV3X3, CONV1X1, MAXPOOL3X3 = "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"
EPOCHS = (4, 12, 36, 108)


@pytest.fixture(scope="module")
def cells():
    return distinct_cells(30, seed=11)


@pytest.fixture(scope="module")
def metrics(cells):
    return random_metrics(len(cells), EPOCHS, seed=12)


@pytest.fixture(scope="module")
def table_path(tmp_path_factory, cells, metrics):
    return write_table(tmp_path_factory.mktemp("api") / "t.h5", cells, metrics, epochs=EPOCHS)


@pytest.fixture
def nasbench(table_path):
    return api.NASBench(str(table_path), seed=0)


def spec_of(cell):
    return api.ModelSpec(cell.matrix.astype(int).tolist(), list(cell.ops))


def test_model_spec_prunes_as_the_official_class():
    matrix = [[0, 1, 1, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 1, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]
    ops = [INPUT, CONV3X3, MAXPOOL3X3, CONV1X1, OUTPUT]
    spec = api.ModelSpec(matrix, ops)
    assert spec.valid_spec
    assert spec.original_matrix.tolist() == matrix and spec.original_ops == ops
    assert spec.matrix.tolist() == [[0, 1, 0], [0, 0, 1], [0, 0, 0]]  # 2 and 3 never reach the output
    assert spec.ops == [INPUT, CONV3X3, OUTPUT]
    ops.append("changed later")
    assert len(spec.original_ops) == 5  # deep copies, as the official class
    dead = api.ModelSpec([[0, 1, 0], [0, 0, 0], [0, 0, 0]], [INPUT, CONV3X3, OUTPUT])
    assert not dead.valid_spec and dead.matrix is None and dead.ops is None


@pytest.mark.parametrize(
    "matrix, ops, message",
    [
        ([[0, 1, 0], [0, 0, 1]], [INPUT, CONV3X3, OUTPUT], "matrix must be square"),
        ([[0, 1], [0, 0]], [INPUT, CONV3X3, OUTPUT], "length of ops must match"),
        ([[0, 1, 0], [0, 0, 1], [1, 0, 0]], [INPUT, CONV3X3, OUTPUT], "upper triangular"),
    ],
)
def test_model_spec_rejects_what_the_official_class_rejects(matrix, ops, message):
    with pytest.raises(ValueError, match=message):
        api.ModelSpec(matrix, ops)


def test_hash_spec_is_the_official_hash(cells):
    for cell in cells[:10]:
        spec = spec_of(cell)
        assert spec.hash_spec([CONV3X3, CONV1X1, MAXPOOL3X3]) == official_module_hash(cell, None)
    spec = api.ModelSpec([[0, 1, 0], [0, 0, 1], [0, 0, 0]], [INPUT, CONV3X3, OUTPUT])
    swapped = api.ModelSpec([[0, 1, 0], [0, 0, 1], [0, 0, 0]], [INPUT, CONV1X1, OUTPUT])
    assert spec.hash_spec([CONV1X1, CONV3X3, MAXPOOL3X3]) == swapped.hash_spec([CONV3X3, CONV1X1, MAXPOOL3X3])


def test_query_returns_official_dict_and_charges_counters(nasbench, cells, metrics):
    data = nasbench.query(spec_of(cells[4]))
    assert list(data) == [
        "module_adjacency", "module_operations", "trainable_parameters", "training_time",
        "train_accuracy", "validation_accuracy", "test_accuracy",
    ]
    assert data["validation_accuracy"] in metrics[4, 3, :, 1, 1]
    assert nasbench.get_budget_counters() == (data["training_time"], 108)
    half = nasbench.query(spec_of(cells[4]), epochs=12, stop_halfway=True)
    assert half["training_time"] in metrics[4, 1, :, 0, 3]
    assert half["test_accuracy"] in metrics[4, 1, :, 0, 2]
    assert nasbench.get_budget_counters() == (data["training_time"] + half["training_time"], 108 + 6)
    nasbench.reset_budget_counters()
    assert nasbench.get_budget_counters() == (0.0, 0)


def test_same_seed_same_repeats(table_path, cells):
    def draws(seed):
        nb = api.NASBench(str(table_path), seed=seed)
        return [nb.query(spec_of(cells[i % 5]))["validation_accuracy"] for i in range(40)]

    assert draws(3) == draws(3)
    assert draws(3) != draws(4)


def test_out_of_domain(nasbench, cells):
    spec = spec_of(cells[0])
    with pytest.raises(api.OutOfDomainError, match="invalid number of epochs"):
        nasbench.query(spec, epochs=13)
    bad = {
        "disconnected": api.ModelSpec([[0, 1, 0], [0, 0, 0], [0, 0, 0]], [INPUT, CONV3X3, OUTPUT]),
        "too many vertices": api.ModelSpec(np.eye(9, k=1, dtype=int), [INPUT] + [CONV3X3] * 7 + [OUTPUT]),
        "too many edges": api.ModelSpec(np.triu(np.ones((6, 6), dtype=int), 1), [INPUT] + [CONV3X3] * 4 + [OUTPUT]),
        "unsupported op": api.ModelSpec([[0, 1, 0], [0, 0, 1], [0, 0, 0]], [INPUT, "conv5x5", OUTPUT]),
        "first operation": api.ModelSpec([[0, 1, 0], [0, 0, 1], [0, 0, 0]], [CONV3X3, CONV3X3, OUTPUT]),
    }
    for message, spec in bad.items():
        assert not nasbench.is_valid(spec)
        with pytest.raises(api.OutOfDomainError, match=message):
            nasbench.query(spec)
        with pytest.raises(api.OutOfDomainError):
            nasbench.get_metrics_from_spec(spec)
    assert nasbench.get_budget_counters() == (0.0, 0)
    assert issubclass(api.OutOfDomainError, UserError)


def test_hash_iteration_and_metrics(nasbench, cells, metrics):
    hashes = list(nasbench.hash_iterator())
    assert hashes == [official_module_hash(c, None) for c in cells]
    assert hashes[3] in nasbench.hash_iterator() and "0" * 32 not in nasbench.hash_iterator()
    fixed, computed = nasbench.get_metrics_from_hash(hashes[3])
    assert fixed["module_operations"] == list(cells[3].ops)
    assert computed[36][2]["final_validation_accuracy"] == metrics[3, 2, 2, 1, 1]
    assert nasbench.get_metrics_from_spec(spec_of(cells[3]))[1] == computed
    computed[36][2]["final_validation_accuracy"] = -1.0  # fresh objects, as the official deep copies
    assert nasbench.get_metrics_from_hash(hashes[3])[1][36][2]["final_validation_accuracy"] == metrics[3, 2, 2, 1, 1]
    assert nasbench.computed_statistics[hashes[3]][4][0]["halfway_train_accuracy"] == metrics[3, 0, 0, 0, 0]
    assert nasbench.fixed_statistics[hashes[3]]["trainable_parameters"] == fixed["trainable_parameters"]
    with pytest.raises(KeyError):
        nasbench.get_metrics_from_hash("0" * 32)
    assert nasbench.valid_epochs == set(EPOCHS)
    assert nasbench.get_budget_counters() == (0.0, 0)


def test_config_has_the_official_keys(nasbench, cells):
    for name in ("module_vertices", "max_edges", "available_ops", "num_repeats", "train_epochs", "num_stacks"):
        assert name in nasbench.config
    assert nasbench.config["available_ops"] == [CONV3X3, CONV1X1, MAXPOOL3X3]
    # the search-space limits are the file's (the largest cell it holds)
    assert nasbench.config["module_vertices"] == max(c.num_vertices for c in cells)
    assert nasbench.config["max_edges"] == 9 and nasbench.config["num_repeats"] == 3


def test_tfrecord_is_converted_once(shared_nb101_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("BENCHLAB_DATA_DIR", str(tmp_path))
    src = shared_nb101_dir / "energy_4V9E.tfrecord"
    first = api.NASBench(str(src), seed=1)
    (cached,) = (tmp_path / "nb101-cache").glob("*.h5")
    assert cached.stem == "eba6c177999103d7c938028e410836c1b62213a076b0e7436de85da8f81d974c"

    def no_conversion(*args, **kwargs):
        raise AssertionError("converted twice")

    monkeypatch.setattr("benchlab.io.nb101_convert.convert_nb101", no_conversion)
    second = api.NASBench(str(src), seed=1)
    assert list(second.hash_iterator()) == list(first.hash_iterator())
    assert nb101.table_for(cached) == cached


def test_official_script_runs_unchanged(shared_nb101_dir, tmp_path, monkeypatch):
    """The NAS-Bench-101 README and notebook code, with numpy Generators instead of global random."""
    monkeypatch.setenv("BENCHLAB_DATA_DIR", str(tmp_path))
    rng = np.random.default_rng(0)
    nasbench = api.NASBench(str(shared_nb101_dir / "energy_4V9E.tfrecord"))

    cell = api.ModelSpec(
        matrix=[[0, 1, 1, 1, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 1, 0, 0],
                [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]],
        ops=[INPUT, CONV1X1, CONV3X3, CONV3X3, CONV3X3, MAXPOOL3X3, OUTPUT])
    with pytest.raises(api.OutOfDomainError, match="too many vertices"):
        nasbench.query(cell)  # the Inception-like cell has 7 vertices; this table holds at most 4

    NUM_VERTICES = nasbench.config["module_vertices"]
    OP_SPOTS = NUM_VERTICES - 2
    ALLOWED_OPS = [CONV3X3, CONV1X1, MAXPOOL3X3]
    ALLOWED_EDGES = [0, 1]

    def random_spec():
        while True:
            matrix = rng.choice(ALLOWED_EDGES, size=(NUM_VERTICES, NUM_VERTICES))
            matrix = np.triu(matrix, 1)
            ops = rng.choice(ALLOWED_OPS, size=(NUM_VERTICES)).tolist()
            ops[0] = INPUT
            ops[-1] = OUTPUT
            spec = api.ModelSpec(matrix=matrix, ops=ops)
            if nasbench.is_valid(spec):
                return spec

    def mutate_spec(old_spec, mutation_rate=1.0):
        while True:
            new_matrix = copy.deepcopy(old_spec.original_matrix)
            new_ops = copy.deepcopy(old_spec.original_ops)
            edge_mutation_prob = mutation_rate / NUM_VERTICES
            for src in range(0, NUM_VERTICES - 1):
                for dst in range(src + 1, NUM_VERTICES):
                    if rng.random() < edge_mutation_prob:
                        new_matrix[src, dst] = 1 - new_matrix[src, dst]
            op_mutation_prob = mutation_rate / OP_SPOTS
            for ind in range(1, NUM_VERTICES - 1):
                if rng.random() < op_mutation_prob:
                    available = [o for o in nasbench.config["available_ops"] if o != new_ops[ind]]
                    new_ops[ind] = rng.choice(available)
            new_spec = api.ModelSpec(new_matrix, new_ops)
            if nasbench.is_valid(new_spec):
                return new_spec

    def run_random_search(max_time_budget=5e4):
        nasbench.reset_budget_counters()
        times, best_valids, best_tests = [0.0], [0.0], [0.0]
        while True:
            spec = random_spec()
            data = nasbench.query(spec)
            if data["validation_accuracy"] > best_valids[-1]:
                best_valids.append(data["validation_accuracy"])
                best_tests.append(data["test_accuracy"])
            else:
                best_valids.append(best_valids[-1])
                best_tests.append(best_tests[-1])
            time_spent, _ = nasbench.get_budget_counters()
            times.append(time_spent)
            if time_spent > max_time_budget:
                break
        return times, best_valids, best_tests

    times, best_valids, best_tests = run_random_search()
    assert times[-1] > 5e4 and all(a <= b for a, b in zip(best_valids, best_valids[1:]))
    assert 0.5 < best_valids[-1] <= 1 and 0.5 < best_tests[-1] <= 1
    child = mutate_spec(random_spec())
    assert nasbench.is_valid(child)

    # analysis over the whole table, as scripts do
    best = max(
        np.mean([r["final_validation_accuracy"] for r in nasbench.get_metrics_from_hash(h)[1][108]])
        for h in nasbench.hash_iterator()
    )
    assert len(list(nasbench.hash_iterator())) == 91
    assert best == pytest.approx(nasbench._bench.optimum.valid)


def test_valid_spec_absent_from_the_file_is_out_of_domain(tmp_path, cells, metrics):
    nb = api.NASBench(str(write_table(tmp_path / "small.h5", cells[:5], metrics[:5])), seed=0)
    absent = next(c for c in cells[5:] if c.num_vertices <= nb.config["module_vertices"])
    spec = spec_of(absent)
    assert nb.is_valid(spec)  # within the space's limits, as the official check goes
    with pytest.raises(api.OutOfDomainError, match="is not in the table"):
        nb.query(spec)
    assert nb.get_budget_counters() == (0.0, 0)


def test_model_spec_is_lazy_and_a_snapshot():
    matrix = np.array([[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0]])
    ops = [INPUT, CONV3X3, MAXPOOL3X3, OUTPUT]
    spec = api.ModelSpec(matrix, ops)
    assert not {"matrix", "ops", "original_matrix", "valid_spec"} & set(vars(spec))  # nothing pruned or copied yet
    matrix[0, 2] = 0
    ops[1] = CONV1X1
    assert spec.original_matrix[0, 2] == 1 and spec.original_matrix.dtype == matrix.dtype
    assert spec.original_ops == [INPUT, CONV3X3, MAXPOOL3X3, OUTPUT]
    assert spec.matrix.tolist() == [[0, 1, 0], [0, 0, 1], [0, 0, 0]] and spec.ops == [INPUT, CONV3X3, OUTPUT]
    assert spec.valid_spec and spec.hash_spec([CONV3X3, CONV1X1, MAXPOOL3X3]) == official_module_hash(
        spec.matrix, spec.ops
    )


def test_query_goes_through_the_benchmark_resolver(nasbench, cells, monkeypatch):
    first = [nasbench.query(spec_of(c))["validation_accuracy"] for c in cells[:5]]
    assert len(nasbench._bench.resolver.rows) == 5  # each new raw spec was found by the resolver
    monkeypatch.setattr(nasbench._bench.resolver, "_first_sighting", None)  # a new lookup would fail now
    again = api.NASBench.query(nasbench, spec_of(cells[2]))
    assert again["module_operations"] == list(cells[2].ops)
    assert len(first) == 5


def test_an_edited_spec_is_looked_up_as_it_now_is(nasbench, cells):
    spec = spec_of(cells[0])
    nasbench.query(spec)
    other = spec_of(cells[1])
    spec.matrix, spec.ops = other.matrix, other.ops
    assert nasbench.query(spec)["module_operations"] == list(cells[1].ops)


@pytest.mark.parametrize("dtype", [np.int64, np.int8, np.uint16, bool, ">i8", "<i4"])
def test_model_spec_of_any_integer_layout_is_the_same_spec(nasbench, cells, dtype):
    cell = cells[7]
    spec = api.ModelSpec(cell.matrix.astype(dtype), list(cell.ops))
    assert spec._key is not None  # kept as one byte per entry
    assert spec.original_matrix.dtype == np.dtype(dtype) and spec.original_matrix.tolist() == cell.matrix.tolist()
    assert nasbench.query(spec)["module_operations"] == nasbench.query(spec_of(cell))["module_operations"]
    assert nasbench._row_of(spec) == nasbench._bench.row_of(cell)


def test_model_spec_entries_beyond_a_byte_are_kept_whole(nasbench):
    matrix = np.array([[0, 1, 0], [0, 0, 256], [0, 0, 0]])
    spec = api.ModelSpec(matrix, [INPUT, CONV3X3, OUTPUT])
    assert spec._key is None and spec.original_matrix[1, 2] == 256  # copied at once, as the official class
    with pytest.raises(api.OutOfDomainError, match="too many edges, got 257"):  # np.sum, as the official check
        nasbench.query(spec)
    with pytest.raises(ValueError, match="upper triangular"):
        api.ModelSpec(np.array([[0, 1, 0], [0, 0, 1], [256, 0, 0]]), [INPUT, CONV3X3, OUTPUT])
    negative = np.array([[0, 1, 0], [0, 0, -1], [0, 0, 0]], dtype=np.int8)
    with pytest.raises(api.OutOfDomainError, match="0 or 1"):
        nasbench.query(api.ModelSpec(negative, [INPUT, CONV3X3, OUTPUT]))
    class Sub(np.ndarray):
        pass

    subclass = api.ModelSpec(np.array([[0, 1], [0, 0]]).view(Sub), [INPUT, OUTPUT])
    assert isinstance(subclass.original_matrix, Sub)


def test_batched_draws_are_the_draws_of_one_per_query(table_path, cells):
    def draws(**options):
        nb = api.NASBench(str(table_path), seed=5, **options)
        return [nb.query(spec_of(cells[i % 7]))["validation_accuracy"] for i in range(600)]

    assert draws() == draws(batch_draws=False)
    shared, expected = np.random.default_rng(5), np.random.default_rng(5).random(2)
    nb = api.NASBench(str(table_path), seed=shared)  # a generator handed in: one draw per query
    nb.query(spec_of(cells[0]))
    assert shared.random() == expected[1]
