"""Live-training speed: a full-size NB101 training step on the CPU, and counting parameters."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from benchlab.train.network import NB101Network  # noqa: E402
from benchlab.train.plan import network_parameters  # noqa: E402
from benchlab.train.trainer import make_optimizer, train_step  # noqa: E402
from tests.train.helpers import INCEPTION_MATRIX, INCEPTION_OPS  # noqa: E402

BATCH = 16


def test_full_size_training_step_cpu(benchmark):
    """Images per second = BATCH / the reported time (the protocol's batch is 256)."""
    net = NB101Network(INCEPTION_MATRIX, INCEPTION_OPS)
    optimizer = make_optimizer(net)
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (BATCH, 3, 32, 32), dtype=torch.uint8, generator=g)
    labels = torch.randint(0, 10, (BATCH,), generator=g)
    train_step(net, optimizer, images, labels, 0.1)  # warm-up
    benchmark.pedantic(lambda: train_step(net, optimizer, images, labels, 0.1), rounds=3, iterations=1)


def test_analytic_parameter_count(benchmark):
    matrix = np.array(INCEPTION_MATRIX)
    assert benchmark(network_parameters, matrix, INCEPTION_OPS) == 2_694_282
