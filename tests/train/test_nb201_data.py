"""NAS-Bench-201's data splits: the split files, the per-dataset parts, and one-line errors."""

import json
import urllib.error

import numpy as np
import pytest

from benchlab.errors import DataError, UserError
from benchlab.train.nb201_data import DATASETS, load_nb201_data, nb201_dataset, read_split_file
from tests.train.helpers import fake_torchvision


def _fake_cifar(n_train: int, n_test: int, calls: list):
    class FakeCifar:
        """Image i carries i in its first pixel (train) or 200 + i (test); label i % 10."""

        def __init__(self, root, train, download):
            calls.append((root, train, download))
            n = n_train if train else n_test
            self.data = np.zeros((n, 32, 32, 3), dtype=np.uint8)
            self.data[:, 0, 0, 0] = np.arange(n) + (0 if train else 200)
            self.targets = [i % 10 for i in range(n)]

    return FakeCifar


def _layout(root, dataset, split: dict, typed: bool = True):
    (root / dataset.folder).mkdir(parents=True)
    payload = {k: (["int", [str(i) for i in v]] if typed else v) for k, v in split.items()}
    (root / dataset.split_file).write_text(json.dumps(payload))


def test_cifar10_trains_and_validates_on_the_halves_of_the_training_set(monkeypatch, tmp_path):
    calls = []
    fake_torchvision(monkeypatch, CIFAR10=_fake_cifar(20, 6, calls))
    _layout(tmp_path, DATASETS["cifar10"], {"train": [0, 2, 4, 6, 8], "valid": [1, 3, 5]})
    splits = load_nb201_data(nb201_dataset("nb201/cifar10"), tmp_path)
    assert calls == [(str(tmp_path), True, False), (str(tmp_path), False, False)]
    assert splits.train_images[:, 0, 0, 0].tolist() == [0, 2, 4, 6, 8]
    assert splits.valid_images[:, 0, 0, 0].tolist() == [1, 3, 5]
    assert splits.valid_labels.tolist() == [1, 3, 5]
    assert splits.test_images[:, 0, 0, 0].tolist() == [200, 201, 202, 203, 204, 205]
    assert splits.train_images.shape == (5, 3, 32, 32)


def test_cifar100_validates_and_tests_on_the_halves_of_the_test_set(monkeypatch, tmp_path):
    fake_torchvision(monkeypatch, CIFAR100=_fake_cifar(8, 6, []))
    _layout(tmp_path, DATASETS["cifar100"], {"xvalid": [0, 3], "xtest": [1, 2, 4, 5]}, typed=False)
    splits = load_nb201_data(DATASETS["cifar100"], tmp_path)
    assert len(splits.train_labels) == 8
    assert splits.valid_images[:, 0, 0, 0].tolist() == [200, 203]
    assert splits.test_images[:, 0, 0, 0].tolist() == [201, 202, 204, 205]


def test_missing_images_or_split_file_say_what_to_put_where(tmp_path):
    with pytest.raises(DataError) as exc:
        load_nb201_data(DATASETS["cifar10"], tmp_path)
    message = str(exc.value)
    assert "cifar-10-batches-py and cifar-split.txt" in message and str(tmp_path) in message
    assert "--data-dir" in message and "\n" not in message
    (tmp_path / "cifar-10-batches-py").mkdir()
    with pytest.raises(DataError, match=r"missing \(cifar-split.txt\)"):
        load_nb201_data(DATASETS["cifar10"], tmp_path, download=True)  # the split file is never downloaded


def test_a_download_that_cannot_connect_is_a_one_line_error(monkeypatch, tmp_path):
    class Offline:
        def __init__(self, root, train, download):
            raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    fake_torchvision(monkeypatch, CIFAR10=Offline)
    (tmp_path / "cifar-split.txt").write_text(json.dumps({"train": [0], "valid": [1]}))
    with pytest.raises(DataError, match="CIFAR-10 unreadable") as exc:
        load_nb201_data(DATASETS["cifar10"], tmp_path, download=True)
    assert "\n" not in str(exc.value)


def test_bad_split_files_are_data_errors(monkeypatch, tmp_path):
    fake_torchvision(monkeypatch, CIFAR10=_fake_cifar(4, 2, []))
    _layout(tmp_path, DATASETS["cifar10"], {"train": [0, 1], "valid": [9]})  # index past the 4 images
    with pytest.raises(DataError, match="'valid' indices"):
        load_nb201_data(DATASETS["cifar10"], tmp_path)
    (tmp_path / "cifar-split.txt").write_text("{not json")
    with pytest.raises(DataError, match="not a NAS-Bench-201 split file"):
        read_split_file(tmp_path / "cifar-split.txt")


def test_imagenet16_is_not_supported_and_says_what_is():
    with pytest.raises(UserError, match="nb201/cifar10, nb201/cifar100"):
        nb201_dataset("nb201/imagenet16-120")
