"""The NAS-Bench-201 network in PyTorch, as the benchmark's own code builds it
(Dong and Yang 2020, `TinyNetwork` with `InferCell`s).

A 3x3 conv-BN stem with C=16 channels; three stages of N=5 cells at C, 2C and 4C channels
joined by residual reduction blocks (stride 2, doubled channels); BN-ReLU, global average
pooling and a linear classifier. A cell is a 4-node DAG: node i sums op(i<-j)(node j) over
j < i, and node 3 is the output. The edge ops are "none" (zero), "skip_connect"
(identity), "nor_conv_1x1" / "nor_conv_3x3" (ReLU-conv-BN, no conv bias) and
"avg_pool_3x3" (stride 1, padding excluded from the average).

`batch_norm=False` builds every batch norm as the identity: the network synflow scores (it
removes batch norm), built without making modules only to drop them. Batch norm draws no
random numbers at initialisation, so every other weight is the same either way.

`layout(C, N)` lays the network out once; the module builder and the analytic
`parameter_count` both walk it, and each op's count sits beside its constructor, so the
count is the module's (tests compare it with `sum(p.numel())`).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from benchlab.spaces.nb201 import EDGES, N_NODES, OPS

C_INIT = 16
CELLS_PER_STAGE = 5


def layout(channels: int = C_INIT, cells_per_stage: int = CELLS_PER_STAGE) -> list[tuple[str, int, int]]:
    """The body as ("cell", C, C) and ("reduction", C_in, C_out) entries, in order."""
    body = []
    for stage in range(3):
        c = channels * 2**stage
        if stage:
            body.append(("reduction", c // 2, c))
        body += [("cell", c, c)] * cells_per_stage
    return body


def _norm(channels: int, present: bool = True) -> nn.Module:
    return nn.BatchNorm2d(channels) if present else nn.Identity()


class ReLUConvBN(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1, bn: bool = True):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False),
            _norm(c_out, bn),
        )

    @staticmethod
    def count(c_in: int, c_out: int, kernel: int) -> int:
        return kernel * kernel * c_in * c_out + 2 * c_out  # conv weights, BN weight and bias


class Zero(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)


def make_op(op: str, channels: int, bn: bool = True) -> nn.Module:
    if op == "none":
        return Zero()
    if op == "skip_connect":
        return nn.Identity()
    if op == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    return ReLUConvBN(channels, channels, _KERNELS[op], bn=bn)


_KERNELS = {"nor_conv_1x1": 1, "nor_conv_3x3": 3}


def op_count(op: str, channels: int) -> int:
    """Parameters of `make_op(op, channels)`."""
    return ReLUConvBN.count(channels, channels, _KERNELS[op]) if op in _KERNELS else 0


class InferCell(nn.Module):
    def __init__(self, arch: Sequence[int], channels: int, bn: bool = True):
        super().__init__()
        self.edges = nn.ModuleList(make_op(OPS[i], channels, bn) for i in arch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for to in range(1, N_NODES):
            nodes.append(sum(self.edges[e](nodes[frm]) for e, (t, frm) in enumerate(EDGES) if t == to))
        return nodes[-1]


class ResNetBasicBlock(nn.Module):
    """The reduction block: two ReLU-conv-BN 3x3 (the first with stride 2) plus a shortcut of
    2x2 average pooling and a 1x1 conv."""

    def __init__(self, c_in: int, c_out: int, bn: bool = True):
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, stride=2, bn=bn)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, bn=bn)
        self.downsample = nn.Sequential(nn.AvgPool2d(2, stride=2), nn.Conv2d(c_in, c_out, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.downsample(x) + self.conv_b(self.conv_a(x))

    @staticmethod
    def count(c_in: int, c_out: int) -> int:
        return ReLUConvBN.count(c_in, c_out, 3) + ReLUConvBN.count(c_out, c_out, 3) + c_in * c_out


class NB201Network(nn.Module):
    """The network of one NB201 cell (a tuple of 6 op indices, as `NB201Space` holds them)."""

    def __init__(self, arch: Sequence[int], num_classes: int = 10, channels: int = C_INIT,
                 cells_per_stage: int = CELLS_PER_STAGE, *, batch_norm: bool = True):
        super().__init__()
        self.arch = tuple(arch)
        bn = batch_norm
        self.stem = nn.Sequential(nn.Conv2d(3, channels, 3, padding=1, bias=False), _norm(channels, bn))
        self.cells = nn.ModuleList(
            InferCell(self.arch, c_out, bn) if kind == "cell" else ResNetBasicBlock(c_in, c_out, bn)
            for kind, c_in, c_out in layout(channels, cells_per_stage)
        )
        last = channels * 4
        self.lastact = nn.Sequential(_norm(last, bn), nn.ReLU(inplace=True))
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(last, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for cell in self.cells:
            x = cell(x)
        x = self.global_pooling(self.lastact(x)).flatten(1)
        return self.classifier(x)


def parameter_count(arch: Sequence[int], num_classes: int = 10, channels: int = C_INIT,
                    cells_per_stage: int = CELLS_PER_STAGE) -> int:
    """Trainable parameters of `NB201Network(arch, num_classes, ...)`, without building it."""
    total = 3 * 3 * 3 * channels + 2 * channels  # stem conv + BN
    for kind, c_in, c_out in layout(channels, cells_per_stage):
        if kind == "cell":
            total += sum(op_count(OPS[i], c_out) for i in arch)
        else:
            total += ResNetBasicBlock.count(c_in, c_out)
    last = channels * 4
    return total + 2 * last + last * num_classes + num_classes  # last BN, classifier
