"""Zero-cost proxies: the definitions on networks small enough to check by hand, the data
sources, and the cache (atomic, versioned, resumable)."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from benchlab.errors import DataError, UserError  # noqa: E402
from benchlab.predictors import PROXIES  # noqa: E402
from benchlab.spaces.nb201 import NB201Space  # noqa: E402
from benchlab.train.nb201_network import parameter_count  # noqa: E402
from benchlab.train.proxies import measures  # noqa: E402
from benchlab.train.proxies.scoring import ProxyScorer  # noqa: E402
from benchlab.train.proxies.sources import proxy_batch  # noqa: E402

CELLS = [(3, 3, 3, 1, 3, 2), (1, 2, 1, 4, 2, 1), (2, 0, 4, 3, 1, 0)]


def test_every_registered_proxy_is_measured():
    assert set(PROXIES) == set(measures.MEASURES)


def test_synflow_of_a_linear_chain_is_depth_times_the_path_product():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 3, bias=False), nn.ReLU(), nn.Linear(3, 2, bias=False))
    w1, w2 = net[0].weight.detach().abs().double(), net[2].weight.detach().abs().double()
    path_product = float(torch.ones(2, dtype=torch.float64) @ w2 @ w1 @ torch.ones(4, dtype=torch.float64))
    # R is linear in each layer's weights, so sum(theta * dR/dtheta) over one layer is R
    assert measures.synflow(net, (4,)) == pytest.approx(2 * path_product, rel=1e-12)


def test_synflow_grows_with_open_routes_and_a_cut_cell_scores_zero():
    assert measures.synflow(_nb201((0,) * 6), (3, 32, 32)) == 0.0  # no open route: every cell outputs zeros
    assert measures.synflow(_nb201((3, 0, 0, 0, 0, 0)), (3, 32, 32)) == 0.0  # its conv reaches no output
    deep = measures.synflow(_nb201((3,) * 6), (3, 32, 32))
    shallow = measures.synflow(_nb201((0, 0, 0, 3, 0, 0)), (3, 32, 32))
    assert deep > shallow > 0


def _plain_synflow(net: nn.Module, input_shape) -> float:
    """The definition read literally: strip batch norm, float64, |theta|, all-ones input, weight
    gradients of the summed output, sum of |theta * grad| over conv/linear weights."""
    for parent in list(net.modules()):
        for name, child in parent.named_children():
            if isinstance(child, nn.BatchNorm2d):
                setattr(parent, name, nn.Identity())
    net = net.double()
    with torch.no_grad():
        for p in net.parameters():
            p.abs_()
    net(torch.ones((1, *input_shape), dtype=torch.float64)).sum().backward()
    layers = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        return float(sum((m.weight * m.weight.grad).abs().sum() for m in layers if m.weight.grad is not None))


@pytest.mark.parametrize("arch", CELLS + [(4, 0, 2, 1, 3, 4), (3, 3, 3, 3, 3, 3)])
def test_synflow_as_scored_equals_the_plain_computation(arch):
    """A network built without batch norm, scored through the layer outputs, gives the score of
    the full network with its batch norm stripped and weight gradients, to float64 rounding."""
    from benchlab.train.nb201_network import NB201Network

    for classes, shape in ((10, (3, 32, 32)), (120, (3, 16, 16))):
        torch.manual_seed(7)
        plain = _plain_synflow(NB201Network(arch, classes), shape)
        torch.manual_seed(7)
        scored = measures.synflow(NB201Network(arch, classes, batch_norm=False), shape)
        torch.manual_seed(7)
        by_weights = measures.synflow_by_weight_gradients(NB201Network(arch, classes), shape)
        assert plain > 0
        assert scored == pytest.approx(plain, rel=1e-13) and by_weights == pytest.approx(plain, rel=1e-13)


def test_the_scorer_builds_synflow_networks_without_batch_norm_and_scores_as_the_definition():
    space = NB201Space()
    scorer = ProxyScorer(space, "synflow", cache=None)
    arch = CELLS[0]
    import zlib

    torch.manual_seed(zlib.crc32(f"{space.key(arch)}|0".encode()))
    from benchlab.train.nb201_network import NB201Network

    plain = _plain_synflow(NB201Network(arch, 10), (3, 32, 32))
    assert scorer.score_one(arch)[0] == pytest.approx(plain, rel=1e-13)


class _Negate(nn.Module):
    def forward(self, x):
        return 2.0 - x


def test_synflow_outside_the_positive_class_falls_back_to_weight_gradients():
    torch.manual_seed(2)
    net = nn.Sequential(nn.Linear(4, 3), _Negate(), nn.Linear(3, 2))
    plain = _plain_synflow(copy.deepcopy(net), (4,))
    assert measures.synflow(net, (4,)) == pytest.approx(plain, rel=1e-13)


def _nb201(arch, classes=10):
    from benchlab.train.nb201_network import NB201Network

    torch.manual_seed(0)
    return NB201Network(arch, classes)


def test_params_and_flops_count_the_layers():
    for arch in CELLS:
        assert measures.params(_nb201(arch, 100), (3, 32, 32)) == parameter_count(arch, 100)
    conv = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.Flatten(), nn.Linear(16 * 8 * 8, 5))
    assert measures.flops(conv, (3, 8, 8)) == 16 * 8 * 8 * 27 + 5 * (16 * 8 * 8 + 1)


def test_nwot_is_the_log_determinant_of_agreements():
    torch.manual_seed(1)
    net = nn.Sequential(nn.Linear(5, 6), nn.ReLU(), nn.Linear(6, 3))
    images = torch.randn(4, 5)
    codes = (net[0](images) > 0).double()
    kernel = codes @ codes.T + (1 - codes) @ (1 - codes).T
    assert measures.nwot(net, (images, None)) == pytest.approx(float(torch.linalg.slogdet(kernel)[1]))


@pytest.mark.parametrize("proxy", measures.DATA_DEPENDENT)
def test_data_dependent_proxies_score_cells_on_a_noise_batch(proxy):
    scorer = ProxyScorer(NB201Space(), proxy, data="noise", batch_size=8, cache=None)
    scores, seconds = scorer.score(CELLS[:2])
    assert np.all(np.isfinite(scores)) and np.all(seconds > 0)
    assert scores[0] != scores[1]


def test_scores_do_not_depend_on_order_and_the_cache_is_read_back(tmp_path):
    path = tmp_path / "proxies.json"
    scores, _ = ProxyScorer(NB201Space(), "synflow", cache=path).score(CELLS)
    backwards, _ = ProxyScorer(NB201Space(), "synflow", cache=None).score(CELLS[::-1])
    np.testing.assert_array_equal(scores, backwards[::-1])
    cached = ProxyScorer(NB201Space(), "synflow", cache=path)
    cached.score_one = None  # any computation would fail: everything must come from the file
    np.testing.assert_array_equal(cached.score(CELLS)[0], scores)
    stored = json.loads(path.read_text())
    assert stored["version"].startswith("1/torch-") and len(stored["columns"]["synflow|seed=0"]) == 3


def test_an_interrupted_scoring_keeps_what_it_finished_and_another_version_is_ignored(tmp_path):
    path = tmp_path / "proxies.json"
    scorer = ProxyScorer(NB201Space(), "params", cache=path)
    real, calls = scorer.score_one, []

    def failing_third(arch):
        calls.append(arch)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(arch)

    scorer.score_one = failing_third
    with pytest.raises(KeyboardInterrupt):
        scorer.score(CELLS)
    assert len(json.loads(path.read_text())["columns"]["params|seed=0"]) == 2
    assert not list(tmp_path.glob(".tmp-*"))
    stale = json.loads(path.read_text()) | {"version": "0/old"}
    path.write_text(json.dumps(stale))
    assert ProxyScorer(NB201Space(), "params", cache=path).cache.get("params|seed=0", NB201Space().key(CELLS[0])) is None


def test_missing_cifar10_names_the_fix(tmp_path):
    with pytest.raises(DataError, match="CIFAR-10 is not in .*--proxy-data"):
        proxy_batch(f"cifar10:{tmp_path}", batch_size=4, resolution=32, num_classes=10, seed=0)
    with pytest.raises(UserError, match="unknown proxy data source"):
        proxy_batch("imagenet", batch_size=4, resolution=32, num_classes=10, seed=0)


def test_npz_source_is_normalised_and_pooled_to_the_resolution(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "batch.npz"
    np.savez(path, images=rng.integers(0, 256, (10, 32, 32, 3), dtype=np.uint8), labels=rng.integers(0, 10, 10))
    images, labels = proxy_batch(f"npz:{path}", batch_size=6, resolution=16, num_classes=10, seed=0)
    assert images.shape == (6, 3, 16, 16) and labels.shape == (6,) and abs(float(images.mean())) < 1.5
    with pytest.raises(DataError, match="fewer than the batch"):
        proxy_batch(f"npz:{path}", batch_size=20, resolution=32, num_classes=10, seed=0)
    with pytest.raises(DataError, match="labels outside"):
        proxy_batch(f"npz:{path}", batch_size=4, resolution=32, num_classes=2, seed=0)


def test_scorers_sharing_the_file_keep_each_others_scores(tmp_path):
    path = tmp_path / "proxies.json"
    first, second = (ProxyScorer(NB201Space(), name, cache=path) for name in ("params", "flops"))
    first.score(CELLS[:2])
    second.score(CELLS[:1])  # loaded before `first` saved; must not drop its column
    columns = json.loads(path.read_text())["columns"]
    assert len(columns["params|seed=0"]) == 2 and len(columns["flops|seed=0"]) == 1
