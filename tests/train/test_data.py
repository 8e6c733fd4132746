import sys

import numpy as np
import pytest
import torch

from benchlab.errors import DataError, UserError
from benchlab.train.data import RGB_MEAN, RGB_STD, augment, load_cifar10, normalise, split_cifar10, training_batches
from tests.train.helpers import fake_torchvision


def test_split_follows_the_batch_files():
    n = 50_000
    images = np.zeros((n, 32, 32, 3), dtype=np.uint8)
    images[:, 0, 0, 0] = np.arange(n) // 10_000  # which batch file each image came from
    labels = np.arange(n) % 10
    test_images = np.full((10_000, 32, 32, 3), 9, dtype=np.uint8)
    splits = split_cifar10(images, labels, test_images, np.zeros(10_000, dtype=int))
    assert splits.train_images.shape == (40_000, 3, 32, 32)
    assert set(splits.train_images[:, 0, 0, 0].unique().tolist()) == {0, 1, 2, 3}
    assert set(splits.valid_images[:, 0, 0, 0].unique().tolist()) == {4}
    assert splits.valid_labels.tolist()[:3] == [0, 1, 2]
    train_eval, _ = splits.train_eval
    assert len(train_eval) == 10_000 and train_eval[:, 0, 0, 0].max() == 0  # batch file 1 only
    assert splits.test_images.shape == (10_000, 3, 32, 32)


def test_split_rejects_wrong_shapes():
    with pytest.raises(DataError):
        split_cifar10(np.zeros((10, 32, 32, 3), np.uint8), np.zeros(10), np.zeros((1, 32, 32, 3), np.uint8), [0])


def test_normalise_uses_the_official_statistics():
    images = torch.tensor(RGB_MEAN).round().to(torch.uint8).view(1, 3, 1, 1).expand(2, 3, 4, 4)
    out = normalise(images)
    expected = (torch.tensor(RGB_MEAN).round() - torch.tensor(RGB_MEAN)) / torch.tensor(RGB_STD)
    assert torch.allclose(out[0, :, 0, 0], expected)


def test_augment_is_a_padded_crop_maybe_flipped():
    g = torch.Generator().manual_seed(0)
    images = torch.randint(1, 256, (64, 3, 32, 32), generator=g, dtype=torch.uint8)
    out = augment(images, g)
    assert out.shape == images.shape and out.dtype == torch.uint8
    padded = torch.nn.functional.pad(images, (4, 4, 4, 4))
    flips = 0
    for i in range(len(images)):
        windows = [
            (flip, dy, dx)
            for dy in range(9)
            for dx in range(9)
            for flip in (False, True)
            if torch.equal(out[i], (lambda w: w.flip(-1) if flip else w)(padded[i, :, dy : dy + 32, dx : dx + 32]))
        ]
        assert windows, f"image {i} is not a crop of its padded original"
        flips += windows[0][0]
    assert 10 < flips < 54  # about half flipped


def test_batches_shuffle_each_epoch_and_run_across_its_end():
    labels = torch.arange(10)
    images = torch.zeros(10, 3, 32, 32, dtype=torch.uint8)
    batches = training_batches(images, labels, 4, torch.Generator().manual_seed(1))
    seen = torch.cat([next(batches)[1] for _ in range(5)])  # 20 labels = two epochs exactly
    assert sorted(seen[:10].tolist()) == list(range(10))
    assert sorted(seen[10:].tolist()) == list(range(10))
    assert seen[:10].tolist() != list(range(10))


def test_missing_torchvision_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "torchvision", None)  # makes the import fail
    monkeypatch.setitem(sys.modules, "torchvision.datasets", None)
    with pytest.raises(UserError, match=r"pip install benchlab\[train\]"):
        load_cifar10(tmp_path, download=False)


def _fake_torchvision(monkeypatch, dataset_class):
    fake_torchvision(monkeypatch, CIFAR10=dataset_class)


def test_load_reads_through_torchvisions_dataset_class(monkeypatch, tmp_path):
    calls = []

    class FakeCIFAR10:
        def __init__(self, root, train, download):
            calls.append((root, train, download))
            n = 50_000 if train else 10_000
            self.data = np.zeros((n, 32, 32, 3), dtype=np.uint8)
            self.targets = [int(train)] * n

    _fake_torchvision(monkeypatch, FakeCIFAR10)
    splits = load_cifar10(tmp_path, download=False)
    assert calls == [(str(tmp_path), True, False), (str(tmp_path), False, False)]
    assert len(splits.train_labels) == 40_000 and len(splits.valid_labels) == 10_000
    assert splits.test_labels.sum() == 0 and splits.train_labels.min() == 1


def test_missing_cifar_is_a_data_error(monkeypatch, tmp_path):
    class Missing:
        def __init__(self, root, train, download):
            raise RuntimeError("Dataset not found or corrupted. You can use download=True to download it")

    _fake_torchvision(monkeypatch, Missing)
    with pytest.raises(DataError, match="--data-dir"):
        load_cifar10(tmp_path, download=False)


def test_a_download_that_cannot_connect_says_where_to_put_the_data(monkeypatch, tmp_path):
    import urllib.error

    class Offline:
        def __init__(self, root, train, download):
            raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    _fake_torchvision(monkeypatch, Offline)
    with pytest.raises(DataError, match="put cifar-10-batches-py") as exc:
        load_cifar10(tmp_path, download=True)
    assert str(tmp_path) in str(exc.value) and "\n" not in str(exc.value)
