"""TensorFlow 1's RMSProp with momentum, as a `torch.optim.Optimizer`.

Written by hand because `torch.optim.RMSprop` differs in the two places that matter with
the NAS-Bench-101 epsilon of 1.0: TensorFlow starts the mean-square accumulator at ONES
(torch at zeros) and adds epsilon INSIDE the square root (torch outside). Per parameter:

    ms  <- decay * ms + (1 - decay) * g^2
    mom <- momentum * mom + lr * g / sqrt(ms + epsilon)
    p   <- p - mom

`weight_decay` adds `weight_decay * p` to the gradient first, which is the gradient of the
L2 term `weight_decay * sum(p^2) / 2` (tf.nn.l2_loss) that the official code adds to the loss.
"""

from __future__ import annotations

import torch
from torch.optim import Optimizer


class RMSpropTF(Optimizer):
    def __init__(
        self,
        params,
        lr: float = 0.2,
        decay: float = 0.9,
        momentum: float = 0.9,
        epsilon: float = 1.0,
        weight_decay: float = 0.0,
    ):
        if lr < 0 or not 0.0 <= decay < 1.0 or momentum < 0 or epsilon < 0 or weight_decay < 0:
            raise ValueError("RMSpropTF: lr, momentum, epsilon and weight_decay must be >= 0 and decay in [0, 1)")
        defaults = dict(lr=lr, decay=decay, momentum=momentum, epsilon=epsilon, weight_decay=weight_decay)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            grads = [p.grad for p in params]
            if group["weight_decay"]:
                grads = torch._foreach_add(grads, params, alpha=group["weight_decay"])
            for p in params:
                if not self.state[p]:
                    self.state[p]["ms"] = torch.ones_like(p, memory_format=torch.preserve_format)
                    self.state[p]["mom"] = torch.zeros_like(p, memory_format=torch.preserve_format)
            ms = [self.state[p]["ms"] for p in params]
            mom = [self.state[p]["mom"] for p in params]
            # one fused kernel per operation over all parameters (the update is elementwise)
            torch._foreach_mul_(ms, group["decay"])
            torch._foreach_addcmul_(ms, grads, grads, value=1.0 - group["decay"])
            denominators = torch._foreach_add(ms, group["epsilon"])
            torch._foreach_sqrt_(denominators)
            torch._foreach_mul_(mom, group["momentum"])
            torch._foreach_addcdiv_(mom, grads, denominators, value=group["lr"])
            torch._foreach_sub_(params, mom)
        return loss
