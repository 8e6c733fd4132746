"""The datasets of NAS-Bench-201 split as the benchmark trained and evaluated on them.

The table's validation accuracy of `nb201/cifar10` is that of the benchmark's
"cifar10-valid" runs: trained on 25,000 of CIFAR-10's training images and evaluated on the
other 25,000, the halves listed in the benchmark's `cifar-split.txt` (keys "train" and
"valid"); test is CIFAR-10's test set. For `nb201/cifar100` training uses all 50,000
training images and validation and test are the two halves of CIFAR-100's test set listed
in `cifar100-test-split.txt` ("xvalid", "xtest"). The split files come with the
NAS-Bench-201 code (`configs/nas-benchmark/`) and are read from the data folder beside the
images, which torchvision reads (and may download; the split files it cannot). Images are
normalised with the benchmark's per-dataset means and deviations. ImageNet16-120 (a
down-sampled ImageNet that no library ships) is not supported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from benchlab.errors import DataError, UserError
from benchlab.train.data import CifarSplits


@dataclass(frozen=True)
class NB201Dataset:
    name: str
    torchvision_class: str
    folder: str  # what torchvision keeps under the data folder
    classes: int
    mean: tuple[float, float, float]  # per channel, 0-255 scale
    std: tuple[float, float, float]
    split_file: str
    #: split -> (original set "train" or "test", key in the split file, or None for all of it)
    parts: dict

    @property
    def title(self) -> str:
        return self.torchvision_class.replace("CIFAR", "CIFAR-")


DATASETS = {
    "cifar10": NB201Dataset(
        "cifar10", "CIFAR10", "cifar-10-batches-py", 10, (125.3, 123.0, 113.9), (63.0, 62.1, 66.7),
        "cifar-split.txt", {"train": ("train", "train"), "valid": ("train", "valid"), "test": ("test", None)},
    ),
    "cifar100": NB201Dataset(
        "cifar100", "CIFAR100", "cifar-100-python", 100, (129.3, 124.1, 112.4), (68.2, 65.4, 70.4),
        "cifar100-test-split.txt", {"train": ("train", None), "valid": ("test", "xvalid"), "test": ("test", "xtest")},
    ),
}
#: training accuracy is measured on this many leading training images, without augmentation
TRAIN_EVAL_IMAGES = 10_000


def nb201_dataset(name: str) -> NB201Dataset:
    """The dataset of an NB201 benchmark ("cifar10" or "nb201/cifar10"); a clear error for others."""
    dataset = name.removeprefix("nb201/")
    if dataset not in DATASETS:
        raise UserError(
            f"live training of NAS-Bench-201 cells supports {', '.join('nb201/' + d for d in DATASETS)}; "
            f"{name!r} is not one of them (ImageNet16-120 ships with no library benchlab can read it from)"
        )
    return DATASETS[dataset]


def read_split_file(path: Path) -> dict[str, np.ndarray]:
    """The benchmark's split file: JSON of key -> ["int", ["0", "5", ...]] (plain lists also read)."""
    try:
        raw = json.loads(path.read_text())
        return {key: np.asarray(value[1] if _typed(value) else value, dtype=np.int64) for key, value in raw.items()}
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise DataError(f"{path}: not a NAS-Bench-201 split file ({exc}); copy it again from the benchmark's configs/nas-benchmark/") from None


def _typed(value) -> bool:
    return isinstance(value, list) and len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], list)


def load_nb201_data(dataset: NB201Dataset, data_dir: str | Path, *, download: bool = False) -> CifarSplits:
    """uint8 splits of `dataset` as NAS-Bench-201 used them (one-line errors naming what to put where)."""
    root = Path(data_dir)
    split_path = root / dataset.split_file
    where = (f"put {dataset.folder} (torchvision's {dataset.title}) and the benchmark's {dataset.split_file} "
             f"(configs/nas-benchmark/ of the NAS-Bench-201 code) in {root}, or point --data-dir at a folder holding both")
    if not split_path.is_file() or not (download or (root / dataset.folder).is_dir()):
        missing = [name for name, there in ((dataset.folder, (root / dataset.folder).is_dir()),
                                            (dataset.split_file, split_path.is_file())) if not there]
        raise DataError(f"NAS-Bench-201 {dataset.name} data missing ({' and '.join(missing)}): {where}")
    split = read_split_file(split_path)
    try:
        import torchvision.datasets
    except ImportError:
        raise UserError("reading CIFAR needs torchvision; install the training extra with `pip install benchlab[train]`") from None
    reader = getattr(torchvision.datasets, dataset.torchvision_class)
    try:
        sets = {part: reader(str(root), train=part == "train", download=download) for part in ("train", "test")}
    except (RuntimeError, OSError) as exc:  # not found or corrupt; a download that cannot connect
        raise DataError(f"{dataset.title} unreadable in {root} ({str(exc).splitlines()[0]}): {where}") from None
    arrays = {part: (np.asarray(s.data), np.asarray(s.targets, dtype=np.int64)) for part, s in sets.items()}
    out = {}
    for name, (source, key) in dataset.parts.items():
        images, labels = arrays[source]
        if key is not None:
            index = split.get(key)
            if index is None or len(index) == 0 or index.min() < 0 or index.max() >= len(labels):
                raise DataError(f"{split_path}: no valid {key!r} indices into the {len(labels)} {source} images; "
                                "copy the split file again from the benchmark's configs/nas-benchmark/")
            images, labels = images[index], labels[index]
        out[f"{name}_images"] = torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2)))
        out[f"{name}_labels"] = torch.from_numpy(np.ascontiguousarray(labels))
    return CifarSplits(**out, train_eval_count=TRAIN_EVAL_IMAGES)
