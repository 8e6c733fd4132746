"""Several small fully connected ReLU networks trained side by side with Adam, in numpy.

Written by hand because no library trains an ensemble of tiny networks quickly without
torch: scikit-learn's `MLPRegressor` trains one network at a time with a Python-level loop
per minibatch, about 30 times slower for the BANANAS ensemble (the `mlp-ensemble`
benchmark in tests/benchmarks_perf shows both). Here the E networks' weights are stacked
into (E, fan_in, fan_out) arrays so each minibatch step is one batched matmul per layer for
all networks, and every parameter lives in one flat vector so an Adam step is a handful of
vector operations. Each network draws its own initial weights and its own minibatch order.
"""

from __future__ import annotations

import numpy as np


class StackedMLPs:
    """`n_nets` independent networks `n_inputs -> hidden... -> 1` (ReLU, linear output)."""

    def __init__(self, n_nets: int, n_inputs: int, hidden: tuple[int, ...], rng: np.random.Generator):
        sizes = [n_inputs, *hidden, 1]
        shapes = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            shapes += [(n_nets, fan_in, fan_out), (n_nets, 1, fan_out)]
        total = sum(int(np.prod(s)) for s in shapes)
        self.params = np.zeros(total)
        self.grads = np.zeros(total)
        self._p, self._g = _views(self.params, shapes), _views(self.grads, shapes)
        self.weights, self.biases = self._p[0::2], self._p[1::2]
        self.weight_grads, self.bias_grads = self._g[0::2], self._g[1::2]
        for w in self.weights:  # Glorot uniform weights, zero biases (Keras' defaults, as BANANAS)
            limit = np.sqrt(6.0 / (w.shape[1] + w.shape[2]))
            w[...] = rng.uniform(-limit, limit, size=w.shape)
        self.n_nets = n_nets

    def forward(self, X: np.ndarray) -> list[np.ndarray]:
        """Inputs of every layer plus the output, for X of shape (E, B, d) or (B, d)."""
        acts = [X]
        h = X
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = h @ w
            z += b
            h = np.maximum(z, 0.0, out=z) if i < last else z
            acts.append(h)
        return acts

    def predict(self, X: np.ndarray) -> np.ndarray:
        """(E, n) predictions of each network for X of shape (n, d)."""
        return self.forward(X)[-1][..., 0]

    def train(
        self,
        X: np.ndarray,
        y: np.ndarray,
        rng: np.random.Generator,
        *,
        epochs: int,
        batch_size: int,
        learning_rate: float,
        loss: str = "mae",
        betas: tuple[float, float] = (0.9, 0.99),
        eps: float = 1e-7,
    ) -> None:
        """Minibatch Adam on mean absolute ("mae") or squared ("mse") error."""
        n = len(X)
        beta1, beta2 = betas
        m = np.zeros_like(self.params)
        v = np.zeros_like(self.params)
        scratch = np.empty_like(self.params)
        order = np.broadcast_to(np.arange(n), (self.n_nets, n))
        step = 0
        for _ in range(epochs):
            shuffled = rng.permuted(order, axis=1)  # each network its own order
            for start in range(0, n, batch_size):
                index = shuffled[:, start : start + batch_size]
                self._gradients(X[index], y[index], loss)
                step += 1
                m *= beta1
                m += (1 - beta1) * self.grads
                v *= beta2
                np.multiply(self.grads, self.grads, out=scratch)
                scratch *= 1 - beta2
                v += scratch
                rate = learning_rate * np.sqrt(1 - beta2**step) / (1 - beta1**step)
                np.sqrt(v, out=scratch)
                scratch += eps
                np.divide(m, scratch, out=scratch)
                scratch *= rate
                self.params -= scratch

    def _gradients(self, xb: np.ndarray, yb: np.ndarray, loss: str) -> None:
        acts = self.forward(xb)
        error = acts[-1][..., 0] - yb  # (E, B)
        grad = (np.sign(error) if loss == "mae" else 2.0 * error)[..., None] / xb.shape[1]
        for i in range(len(self.weights) - 1, -1, -1):
            np.matmul(acts[i].transpose(0, 2, 1), grad, out=self.weight_grads[i])
            np.sum(grad, axis=1, keepdims=True, out=self.bias_grads[i])
            if i:
                grad = grad @ self.weights[i].transpose(0, 2, 1)
                grad *= acts[i] > 0


def _views(flat: np.ndarray, shapes) -> list[np.ndarray]:
    views, offset = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        views.append(flat[offset : offset + size].reshape(shape))
        offset += size
    return views
