import numpy as np
import pytest
import torch

from benchlab.errors import InvalidArchitectureError
from benchlab.io.nb101_records import read_nb101_records
from benchlab.spaces.nb101 import prune
from benchlab.train import NB101Network
from benchlab.train.network import count_trainable_parameters
from benchlab.train.plan import network_parameters, vertex_channels
from tests.train.helpers import INCEPTION_MATRIX, INCEPTION_OPS, INCEPTION_PARAMETERS, NARROW


def test_inception_cell_has_the_recorded_parameter_count_and_classifies():
    net = NB101Network(INCEPTION_MATRIX, INCEPTION_OPS).eval()
    assert count_trainable_parameters(net) == INCEPTION_PARAMETERS
    assert network_parameters(np.array(INCEPTION_MATRIX), INCEPTION_OPS) == INCEPTION_PARAMETERS
    with torch.no_grad():
        assert net(torch.randn(2, 3, 32, 32)).shape == (2, 10)


def test_output_channels_split_with_the_extra_channel_first():
    # vertices 1, 2, 3 feed the output; 128 = 43 + 43 + 42
    m = np.zeros((5, 5), dtype=int)
    m[0, 1] = m[0, 2] = m[0, 3] = 1
    m[1, 4] = m[2, 4] = m[3, 4] = 1
    assert vertex_channels(64, 128, m) == [64, 43, 43, 42, 128]


def test_inner_vertices_take_the_widest_successor():
    # 1 -> 2 -> out and 1 -> 3 -> out; 2 gets the extra channel, so 1 takes 2's width
    m = np.zeros((5, 5), dtype=int)
    m[0, 1] = m[1, 2] = m[1, 3] = m[2, 4] = m[3, 4] = 1
    assert vertex_channels(16, 9, m) == [16, 5, 5, 4, 9]
    # a chain: 1 -> 2 -> out, so 1 has the output's width
    chain = np.zeros((4, 4), dtype=int)
    chain[0, 1] = chain[1, 2] = chain[2, 3] = 1
    assert vertex_channels(16, 32, chain) == [16, 32, 32, 32]


def test_forward_shape_and_truncated_inputs():
    # vertex 1 (3 channels) feeds vertex 3 (2 channels): its input must be truncated
    m = np.zeros((5, 5), dtype=int)
    m[0, 1] = m[0, 2] = m[1, 3] = 1
    m[1, 4] = m[2, 4] = m[3, 4] = 1
    ops = ["input", "conv3x3-bn-relu", "maxpool3x3", "conv1x1-bn-relu", "output"]
    net = NB101Network(m, ops, stem_channels=8, num_stacks=2, cells_per_stack=1)
    assert net.cells[0].channels == [8, 3, 3, 2, 8]
    out = net(torch.randn(4, 3, 32, 32))
    assert out.shape == (4, 10)
    assert torch.isfinite(out).all()
    assert count_trainable_parameters(net) == network_parameters(net.matrix, net.ops, **dict(stem_channels=8, num_stacks=2, cells_per_stack=1))


def test_cell_is_pruned_first():
    # vertex 2 is a dead end (does not reach the output): pruning removes it
    m = np.zeros((5, 5), dtype=int)
    m[0, 1] = m[1, 4] = m[0, 2] = m[0, 3] = m[3, 4] = 1
    ops = ["input", "conv3x3-bn-relu", "conv3x3-bn-relu", "conv1x1-bn-relu", "output"]
    net = NB101Network(m, ops, **NARROW)
    assert net.matrix.shape == (4, 4)
    assert net.ops == ("input", "conv3x3-bn-relu", "conv1x1-bn-relu", "output")
    pruned = NB101Network(*prune(m, ops), **NARROW)
    assert count_trainable_parameters(net) == count_trainable_parameters(pruned)


def test_input_straight_to_output():
    net = NB101Network([[0, 1], [0, 0]], ["input", "output"], **NARROW)
    assert net(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    assert count_trainable_parameters(net) == network_parameters(net.matrix, net.ops, **NARROW)


def test_disconnected_and_unknown_ops_are_user_errors():
    with pytest.raises(InvalidArchitectureError):
        NB101Network([[0, 0, 0], [0, 0, 1], [0, 0, 0]], ["input", "conv3x3-bn-relu", "output"])
    with pytest.raises(InvalidArchitectureError):
        NB101Network([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "conv5x5", "output"])


def test_reset_parameters_is_reproducible_with_a_generator():
    a = NB101Network(INCEPTION_MATRIX, INCEPTION_OPS, **NARROW)
    b = NB101Network(INCEPTION_MATRIX, INCEPTION_OPS, **NARROW)
    a.reset_parameters(torch.Generator().manual_seed(3))
    b.reset_parameters(torch.Generator().manual_seed(3))
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
    stem = a.stem[0].weight
    std = (1 / 27) ** 0.5 / 0.87962566103423978
    assert stem.abs().max() <= 2 * std + 1e-6  # truncated at two standard deviations


def _table_cells(folder):
    """(pruned matrix, ops, recorded count) of every distinct cell of each shared file."""
    for path in sorted(folder.glob("*.tfrecord")):
        seen = set()
        for record in read_nb101_records(path):
            if record.module_hash not in seen:
                seen.add(record.module_hash)
                yield (*prune(record.matrix, record.ops), record.trainable_parameters)


def test_parameter_counts_equal_the_table_for_every_cell(shared_nb101_dir):
    cells = list(_table_cells(shared_nb101_dir))
    assert len(cells) == 2_623
    mismatched = [(m.tolist(), o, n) for m, o, n in cells if network_parameters(m, o) != n]
    assert not mismatched, mismatched[:3]
    # the analytic count is checked against real module construction (on the meta device:
    # shapes only, no memory) for a sample that includes the smallest and largest cells
    rng = np.random.default_rng(101)
    sizes = [n for _, _, n in cells]
    sample = {int(np.argmin(sizes)), int(np.argmax(sizes)), *rng.choice(len(cells), 25, replace=False).tolist()}
    for i in sorted(sample):
        matrix, ops, recorded = cells[i]
        with torch.device("meta"):
            net = NB101Network(matrix, ops)
        assert count_trainable_parameters(net) == recorded
