"""What a live training run returns, in plain Python (no torch), so results can be cached and read anywhere."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Evaluation:
    """One evaluation point, with the fields the table records."""

    epochs: float
    training_time: float  # seconds of training steps so far
    train_accuracy: float
    validation_accuracy: float
    test_accuracy: float


@dataclass(frozen=True)
class TrainingResult:
    """A live training run of one cell: the halfway and final evaluations."""

    matrix: tuple[tuple[int, ...], ...]  # pruned
    ops: tuple[str, ...]
    epochs: int
    trainable_parameters: int
    halfway: Evaluation
    final: Evaluation
    total_time: float  # wall seconds including evaluation
    device: str = "cpu"
    precision: str = "fp32"
    steps: int = 0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainingResult":
        data = dict(data)
        data["matrix"] = tuple(tuple(int(x) for x in row) for row in data["matrix"])
        data["ops"] = tuple(data["ops"])
        data["halfway"] = Evaluation(**data["halfway"])
        data["final"] = Evaluation(**data["final"])
        return cls(**data)
