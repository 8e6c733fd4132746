"""The NAS-Bench-101 network in PyTorch, built the way the official TensorFlow builder builds it.

A 3x3 conv-BN-ReLU stem, stacks of identical cells with a 2x2 max-pool (stride 2) and
doubled channels before each new stack, global average pooling and a dense layer. Inside a
cell every vertex sums its inputs (interior inputs truncated to the vertex's channel
count, the cell input through a 1x1 conv-BN-ReLU projection) and applies its op; the cell
output concatenates the vertices that feed it, plus the projected cell input when the
input feeds the output directly. Channel counts come from `benchlab.train.plan`.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from benchlab.train.plan import kernel_size, skeleton, vertex_channels

#: batch norm as in the official code: TF momentum 0.997 is PyTorch momentum 1 - 0.997
BN_MOMENTUM = 1.0 - 0.997
BN_EPSILON = 1e-5
# TF's truncated normal keeps draws within two standard deviations; this factor restores
# the requested variance after truncation (as tf.variance_scaling_initializer does).
_TRUNCATED_NORMAL_STD = 0.87962566103423978


class ConvBnRelu(nn.Sequential):
    """Convolution ('same' padding, no bias), batch norm and ReLU."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int):
        super().__init__(
            nn.Conv2d(in_channels, out_channels, kernel, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(out_channels, eps=BN_EPSILON, momentum=BN_MOMENTUM),
            nn.ReLU(inplace=True),
        )


def _vertex_op(op: str, channels: int) -> nn.Module:
    kernel = kernel_size(op)
    if kernel is None:  # 3x3 max-pool, stride 1; padding with -inf behaves as TF's 'same'
        return nn.MaxPool2d(3, stride=1, padding=1)
    return ConvBnRelu(channels, channels, kernel)


class NB101Cell(nn.Module):
    """One cell (module) of the network, from a pruned adjacency matrix and op labels."""

    def __init__(self, matrix: np.ndarray, ops, in_channels: int, out_channels: int):
        super().__init__()
        matrix = np.asarray(matrix, dtype=bool)
        n = matrix.shape[0]
        self.num_vertices = n
        self.channels = vertex_channels(in_channels, out_channels, matrix)
        # plain Python lists: the forward pass reads them at every call
        self.inputs_of = [[s for s in range(1, v) if matrix[s, v]] for v in range(n)]
        self.input_feeds = [bool(matrix[0, v]) for v in range(n)]
        self.feeds_output = [v for v in range(1, n - 1) if matrix[v, n - 1]]
        self.projections = nn.ModuleDict(
            {str(v): ConvBnRelu(in_channels, self.channels[v], 1) for v in range(1, n) if matrix[0, v]}
        )
        self.vertex_ops = nn.ModuleDict({str(v): _vertex_op(ops[v], self.channels[v]) for v in range(1, n - 1)})

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = self.num_vertices
        values: list[torch.Tensor | None] = [x] + [None] * (n - 1)
        for v in range(1, n - 1):
            width = self.channels[v]
            # an input wider than the vertex (only ever by the one extra channel) is truncated
            terms = [values[s][:, :width] for s in self.inputs_of[v]]
            if self.input_feeds[v]:
                terms.append(self.projections[str(v)](x))
            total = terms[0]
            for term in terms[1:]:
                total = total + term
            values[v] = self.vertex_ops[str(v)](total)
        if not self.feeds_output:  # input straight to output: the projection is the output
            return self.projections[str(n - 1)](x)
        if len(self.feeds_output) == 1:
            out = values[self.feeds_output[0]]
        else:
            out = torch.cat([values[v] for v in self.feeds_output], dim=1)
        if self.input_feeds[n - 1]:
            out = out + self.projections[str(n - 1)](x)
        return out


def _prune(matrix, ops) -> tuple[np.ndarray, list[str]]:
    from benchlab.spaces.nb101 import prune

    return prune(np.asarray(matrix), list(ops))


class NB101Network(nn.Module):
    """The NAS-Bench-101 network for one cell; the cell is pruned first, as the official code does.

    `matrix` is the upper-triangular 0/1 adjacency (input first, output last) and `ops`
    the vertex labels ("input", "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3",
    "output"). With the defaults the trainable parameter count equals the table's
    `trainable_parameters` for the cell.
    """

    def __init__(
        self,
        matrix,
        ops,
        num_classes: int = 10,
        stem_channels: int = 128,
        num_stacks: int = 3,
        cells_per_stack: int = 3,
    ):
        super().__init__()
        pruned_matrix, pruned_ops = _prune(matrix, ops)
        self.matrix = pruned_matrix
        self.ops = tuple(pruned_ops)
        plan = skeleton(stem_channels, num_stacks, cells_per_stack)
        self.stem = ConvBnRelu(3, stem_channels, 3)
        layers: list[nn.Module] = []
        for i, (cin, cout) in enumerate(plan.cells):
            if i > 0 and plan.stack_of_cell[i] != plan.stack_of_cell[i - 1]:
                # 'same' padding in TF only matters for odd sizes; ceil_mode reproduces it
                layers.append(nn.MaxPool2d(2, stride=2, ceil_mode=True))
            layers.append(NB101Cell(pruned_matrix, pruned_ops, cin, cout))
        self.cells = nn.Sequential(*layers)
        self.classifier = nn.Linear(plan.final_channels, num_classes)
        self.reset_parameters()

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = self.cells(self.stem(images))
        return self.classifier(x.mean(dim=(2, 3)))

    @torch.no_grad()
    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """Initialise as the official TF code: convs variance-scaling (fan-in, truncated normal),
        dense Glorot-uniform with zero bias, batch norm gamma 1 and beta 0."""
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                fan_in = module.in_channels * module.kernel_size[0] * module.kernel_size[1]
                std = math.sqrt(1.0 / fan_in) / _TRUNCATED_NORMAL_STD
                nn.init.trunc_normal_(module.weight, 0.0, std, -2 * std, 2 * std, generator=generator)
            elif isinstance(module, nn.BatchNorm2d):
                module.reset_running_stats()
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight, generator=generator)
                nn.init.zeros_(module.bias)


def count_trainable_parameters(module: nn.Module) -> int:
    """Number of trainable parameters (works on the 'meta' device too)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
