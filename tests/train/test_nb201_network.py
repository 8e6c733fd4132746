"""The NAS-Bench-201 network: its parameter count is the table's model size for every cell."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from benchlab.errors import UserError  # noqa: E402
from benchlab.spaces.nb201 import NB201Space  # noqa: E402
from benchlab.train.nb201_network import NB201Network, parameter_count  # noqa: E402

DATASETS = {"cifar10": 10, "cifar100": 100, "imagenet16-120": 120}


def _torch_count(net) -> int:
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_analytic_count_equals_the_table_for_every_cell(dataset):
    from benchlab.benchmarks.registry import get_benchmark

    try:
        bench = get_benchmark(f"nb201/{dataset}")
    except (UserError, ImportError) as exc:
        pytest.skip(f"nb201/{dataset} unavailable: {exc}")
    space = bench.space
    counts = np.array([parameter_count(space.parse(k), DATASETS[dataset]) for k in bench.table.keys.tolist()])
    assert len(counts) == 15_625
    mismatched = np.flatnonzero(counts != bench.table.params)
    assert mismatched.size == 0, f"{mismatched.size} cells differ, e.g. {bench.table.keys[mismatched[:3]]}"


def test_analytic_count_equals_the_torch_module():
    space = NB201Space()
    rng = np.random.default_rng(0)
    cells = [(0,) * 6, (1,) * 6, (2,) * 6, (3,) * 6, (4,) * 6] + [space.sample(rng) for _ in range(6)]
    for i, arch in enumerate(cells):
        classes = (10, 100, 120)[i % 3]
        assert _torch_count(NB201Network(arch, classes)) == parameter_count(arch, classes), arch
    # other widths and depths too: the count follows the module, not a fitted formula
    assert _torch_count(NB201Network((3, 2, 1, 4, 3, 0), 10, 8, 2)) == parameter_count((3, 2, 1, 4, 3, 0), 10, 8, 2)


def test_forward_shapes_at_both_resolutions():
    net = NB201Network((3, 3, 0, 1, 4, 2), 120).eval()
    with torch.no_grad():
        assert net(torch.zeros(2, 3, 32, 32)).shape == (2, 120)
        assert net(torch.zeros(2, 3, 16, 16)).shape == (2, 120)



def test_built_without_batch_norm_it_has_the_same_weights_and_no_batch_norm():
    arch = (3, 2, 1, 4, 3, 0)
    torch.manual_seed(11)
    full = NB201Network(arch)
    torch.manual_seed(11)
    bare = NB201Network(arch, batch_norm=False)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in bare.modules())
    with_bn = {n: p for n, p in full.named_parameters() if p.dim() > 1 or n.startswith("classifier")}
    without = dict(bare.named_parameters())
    assert with_bn.keys() == without.keys()
    assert all(torch.equal(with_bn[n], without[n]) for n in with_bn)
