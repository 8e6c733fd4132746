"""Zero-cost proxies: scores of an untrained network from at most one forward/backward pass.

Each measure takes the freshly initialised network and either the input shape (data-free
measures) or a batch (images, labels), and returns one float, higher meaning "predicted
better". Definitions, as their papers give them and as Abdelfattah et al. (2021) compute
them for NAS-Bench-201:

* params: trainable parameters (the benchmark's model size, unscaled).
* flops: multiply-accumulates of every convolution and linear layer (bias adds included)
  for one input of the benchmark's resolution, counted from the layer shapes.
* synflow (Tanaka et al. 2020): R = 1^T (prod_l |theta_l|) 1, computed as the sum of the
  outputs of the network with every parameter replaced by its absolute value, batch norm
  removed, in float64, on an all-ones input; score = sum over conv/linear weights of
  |theta * dR/dtheta|.
* snip (Lee et al. 2019): sum over conv/linear weights of |theta * dL/dtheta|, L the
  cross-entropy of the batch.
* grad_norm: sum over conv/linear layers of the L2 norm of dL/dW.
* jacob_cov (Mellor et al. 2020, first version): with J the per-image gradients of the
  summed outputs with respect to the input and C their correlation matrix with eigenvalues
  v, score = -sum(log(v + k) + 1 / (v + k)), k = 1e-5.
* nwot (Mellor et al. 2021): with c_i the binary code of which ReLU inputs are positive for
  image i, K_ij = c_i.c_j + (1 - c_i).(1 - c_j) (agreements), score = log|det K|.

A measure may change the network it is handed (synflow strips its batch norm), so each
call gets a freshly built one; the measures in `WITHOUT_BATCH_NORM` are handed one built
without batch norm (the same weights: batch norm draws nothing at initialisation).

How synflow is computed (the definition above is unchanged): the network with |theta|, no
batch norm and an all-ones input is built of ops whose local derivatives are all
non-negative (convolutions and linear layers with |theta|, ReLU on non-negative inputs,
pooling, sums), so every dR/dtheta >= 0 and |theta * dR/dtheta| sums to theta . dR/dtheta.
A layer's output y = W * x (+ b) is linear in W, so theta . dR/dtheta over a layer is
<dR/dy, y - b>: one backward pass to the layer outputs gives the score without the weight
gradients, a third of the convolution work (`make bench` shows both, and tests pin the
two to float64 rounding). Should a gradient come out negative (a network outside that
class), the weight gradients are computed as the definition reads. Batch norm is in training mode (batch statistics) for the data-dependent measures, as in
the reference implementations.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

DATA_FREE = ("params", "flops", "synflow")
DATA_DEPENDENT = ("snip", "grad_norm", "jacob_cov", "nwot")
NAMES = DATA_FREE + DATA_DEPENDENT
#: measures that remove batch norm, so they are handed a network built without it
WITHOUT_BATCH_NORM = ("synflow",)


def _weighted_layers(net: nn.Module):
    return [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def params(net: nn.Module, input_shape) -> float:
    return float(sum(p.numel() for p in net.parameters() if p.requires_grad))


def flops(net: nn.Module, input_shape) -> float:
    total = 0

    def count(layer, inputs, output):
        nonlocal total
        if isinstance(layer, nn.Conv2d):
            per_output = layer.in_channels // layer.groups * layer.kernel_size[0] * layer.kernel_size[1]
        else:
            per_output = layer.in_features
        total += output.numel() * (per_output + (layer.bias is not None))

    hooks = [layer.register_forward_hook(count) for layer in _weighted_layers(net)]
    try:
        with torch.no_grad():
            net.eval()(torch.zeros((1, *input_shape)))
    finally:
        for hook in hooks:
            hook.remove()
    return float(total)


def synflow(net: nn.Module, input_shape) -> float:
    # taken at the layer outputs, <dR/dy, y - b> per layer (the module docstring says why that is synflow)
    linear = _positive_linear(net)
    layers = _weighted_layers(linear)
    for p in linear.parameters():
        p.requires_grad_(False)  # no weight gradients: only the gradients at the layer outputs
    outputs = []
    hooks = [layer.register_forward_hook(lambda layer, inputs, y: outputs.append((layer, y))) for layer in layers]
    try:
        ones = torch.ones((1, *input_shape), dtype=torch.float64, requires_grad=True)
        total = linear(ones).sum()
    finally:
        for hook in hooks:
            hook.remove()
    grads = torch.autograd.grad(total, [y for _, y in outputs], allow_unused=True)
    used = [(layer, y.detach(), g) for (layer, y), g in zip(outputs, grads) if g is not None]
    if any(bool((g < 0).any()) for _, _, g in used):
        return synflow_by_weight_gradients(linear, input_shape)
    terms = [torch.zeros((), dtype=torch.float64)]
    for layer, y, g in used:
        if layer.bias is not None:
            y = y - layer.bias.view(-1, *[1] * (y.dim() - 2))
        terms.append(torch.dot(g.reshape(-1), y.reshape(-1)))
    return float(torch.stack(terms).sum())


def synflow_by_weight_gradients(net: nn.Module, input_shape) -> float:
    """synflow as the definition reads: the weight gradients of R, then sum |theta * grad|."""
    linear = _positive_linear(net)
    for p in linear.parameters():
        p.requires_grad_(True)
    linear.zero_grad()
    linear(torch.ones((1, *input_shape), dtype=torch.float64)).sum().backward()
    return _sum_saliency(linear)


def _positive_linear(net: nn.Module) -> nn.Module:
    """`net` without batch norm, in float64, every parameter replaced by its absolute value."""
    linear = _without_batch_norm(net).double()  # the network handed in is changed: measures get a fresh one
    with torch.no_grad():
        for p in linear.parameters():
            p.abs_()
    return linear


def _sum_saliency(net: nn.Module) -> float:
    """sum over conv/linear weights of |theta * grad|."""
    with torch.no_grad():
        return float(sum((layer.weight * layer.weight.grad).abs().sum() for layer in _weighted_layers(net)
                         if layer.weight.grad is not None))


def _without_batch_norm(net: nn.Module) -> nn.Module:
    """`net` with every BatchNorm2d replaced by the identity (synflow's "no BN" network)."""
    for parent in list(net.modules()):
        for name, child in parent.named_children():
            if isinstance(child, nn.BatchNorm2d):
                setattr(parent, name, nn.Identity())
    return net


def _loss_gradients(net: nn.Module, batch) -> None:
    images, labels = batch
    net.train()
    net.zero_grad()
    nn.functional.cross_entropy(net(images), labels).backward()


def snip(net: nn.Module, batch) -> float:
    _loss_gradients(net, batch)
    return _sum_saliency(net)


def grad_norm(net: nn.Module, batch) -> float:
    _loss_gradients(net, batch)
    with torch.no_grad():
        return float(sum(layer.weight.grad.norm() for layer in _weighted_layers(net) if layer.weight.grad is not None))


def jacob_cov(net: nn.Module, batch, k: float = 1e-5) -> float:
    images = batch[0].clone().requires_grad_(True)
    net.train()
    net.zero_grad()
    net(images).sum().backward()
    jacobians = images.grad.reshape(len(images), -1).double().numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(jacobians)
    if not np.all(np.isfinite(corr)):
        return float("-inf")  # a constant Jacobian row (e.g. an all-"none" cell): no information
    v = np.linalg.eigvalsh(corr)
    return float(-np.sum(np.log(v + k) + 1.0 / (v + k)))


def nwot(net: nn.Module, batch) -> float:
    images = batch[0]
    n = len(images)
    kernel = torch.zeros((n, n), dtype=torch.float64)

    def record(module, inputs, output):
        codes = (inputs[0].reshape(n, -1) > 0).double()
        kernel.add_(codes @ codes.T + (1 - codes) @ (1 - codes).T)

    hooks = [m.register_forward_hook(record) for m in net.modules() if isinstance(m, nn.ReLU)]
    try:
        with torch.no_grad():
            net.train()(images)
    finally:
        for hook in hooks:
            hook.remove()
    return float(torch.linalg.slogdet(kernel)[1])


MEASURES: dict[str, Callable] = {
    "params": params, "flops": flops, "synflow": synflow,
    "snip": snip, "grad_norm": grad_norm, "jacob_cov": jacob_cov, "nwot": nwot,
}
