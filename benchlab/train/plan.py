"""The shape of an NB101 network, worked out without torch: channels per vertex and parameter counts.

The rules follow the NAS-Bench-101 model builder, which produced the table's
`trainable_parameters`, so the analytic count here equals what the table records and what
`NB101Network` builds (tests check all three agree). TensorFlow counts batch-norm gamma and
beta as trainable (moving statistics are not), and so does this count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchlab.errors import InvalidArchitectureError

#: kernel size of each parameterised op; max-pool has no weights
KERNEL_SIZE = {"conv3x3-bn-relu": 3, "conv1x1-bn-relu": 1, "maxpool3x3": None}


def kernel_size(op: str) -> int | None:
    """Kernel size of a vertex op (None for max-pool); a clear error for an unknown op."""
    try:
        return KERNEL_SIZE[op]
    except KeyError:
        raise InvalidArchitectureError(
            f"unknown NB101 op {op!r}; use one of {', '.join(KERNEL_SIZE)}"
        ) from None


def vertex_channels(input_channels: int, output_channels: int, matrix: np.ndarray) -> list[int]:
    """Channels at every vertex of a pruned cell, as the official builder computes them.

    The output channels are split evenly among the vertices that feed the output; when
    the split is uneven the first of those vertices get one extra channel each. Every other
    interior vertex takes the largest channel count among the interior vertices it feeds,
    worked out backwards, so a vertex never has fewer channels than its successors (an
    input wider by one is truncated where it is summed).
    """
    matrix = np.asarray(matrix)
    n = matrix.shape[0]
    channels = [0] * n
    channels[0] = input_channels
    channels[n - 1] = output_channels
    if n == 2:
        return channels
    # in-degree of the output, not counting an edge from the input vertex
    fan_in = int(matrix[1:, n - 1].sum())
    base, extra = divmod(output_channels, fan_in)
    for v in range(1, n - 1):
        if matrix[v, n - 1]:
            channels[v] = base
            if extra:
                channels[v] += 1
                extra -= 1
    for v in range(n - 3, 0, -1):
        if not matrix[v, n - 1]:
            for dst in range(v + 1, n - 1):
                if matrix[v, dst]:
                    channels[v] = max(channels[v], channels[dst])
    return channels


def conv_bn_parameters(kernel: int, in_channels: int, out_channels: int) -> int:
    """Trainable parameters of conv (no bias) + batch norm (gamma, beta)."""
    return kernel * kernel * in_channels * out_channels + 2 * out_channels


def cell_parameters(matrix: np.ndarray, ops, in_channels: int, out_channels: int) -> int:
    """Trainable parameters of one cell (pruned matrix and ops) between the given channel counts."""
    matrix = np.asarray(matrix)
    n = matrix.shape[0]
    channels = vertex_channels(in_channels, out_channels, matrix)
    total = 0
    for v in range(1, n - 1):
        if matrix[0, v]:  # 1x1 projection of the cell input into this vertex
            total += conv_bn_parameters(1, in_channels, channels[v])
        kernel = kernel_size(ops[v])
        if kernel is not None:
            total += conv_bn_parameters(kernel, channels[v], channels[v])
    if matrix[0, n - 1]:  # projected input added to (or forming) the output
        total += conv_bn_parameters(1, in_channels, out_channels)
    return total


@dataclass(frozen=True)
class StackPlan:
    """Channel counts through the network's skeleton: stem, then (in, out) per cell."""

    stem_channels: int
    cells: tuple[tuple[int, int], ...]  # (in_channels, out_channels) of each cell in order
    stack_of_cell: tuple[int, ...]
    final_channels: int


def skeleton(stem_channels: int = 128, num_stacks: int = 3, cells_per_stack: int = 3) -> StackPlan:
    """Stem, then stacks of cells; each new stack halves the resolution and doubles the channels."""
    cells = []
    stacks = []
    channels = stem_channels
    for stack in range(num_stacks):
        out = stem_channels * 2**stack
        for _ in range(cells_per_stack):
            cells.append((channels, out))
            stacks.append(stack)
            channels = out
    return StackPlan(stem_channels, tuple(cells), tuple(stacks), channels)


def network_parameters(
    matrix: np.ndarray,
    ops,
    *,
    num_classes: int = 10,
    stem_channels: int = 128,
    num_stacks: int = 3,
    cells_per_stack: int = 3,
) -> int:
    """Trainable parameters of the whole network built from an already pruned cell."""
    plan = skeleton(stem_channels, num_stacks, cells_per_stack)
    total = conv_bn_parameters(3, 3, stem_channels)
    total += sum(cell_parameters(matrix, ops, cin, cout) for cin, cout in plan.cells)
    total += plan.final_channels * num_classes + num_classes  # dense layer with bias
    return total
